import { z } from 'zod';
import type { VideoTaskStatus } from '@dhuman/protocol';

/**
 * A video task as stored: the request normalised at submission (voice, size and format resolved, inputs checked),
 * so a task re-queued after a restart renders exactly what was accepted. Stored as JSON and validated on read.
 */
export const videoTaskSpecSchema = z.object({
  /** `video` from videomake/videomakeadvanced, `audio` from tts. */
  kind: z.enum(['video', 'audio']),
  /** The project or asset key the task was made for ('' for audio without one). */
  virtualmanKey: z.string(),
  /** The asset whose avatar draws the video ('' for audio). */
  assetKey: z.string(),
  /** `InputSsml` (text or SSML); absent when driven by recorded audio. */
  text: z.string().optional(),
  /** `InputAudioUrl` of an OriginalVoice task. */
  audioUrl: z.string().optional(),
  voice: z.object({ voice: z.string(), speed: z.number(), volume: z.number() }),
  format: z.enum(['mp4', 'webm-alpha', 'mov-alpha', 'mp3']),
  width: z.int(),
  height: z.int(),
  fps: z.number(),
  composition: z
    .object({
      backgroundUrl: z.string().optional(),
      logos: z.array(z.object({ url: z.string(), x: z.number(), y: z.number(), scale: z.number() })),
      avatar: z.object({ x: z.number(), y: z.number(), scale: z.number(), angleDeg: z.number() }).optional(),
      subtitles: z.boolean(),
      introUrl: z.string().optional(),
      outroUrl: z.string().optional(),
    })
    .optional(),
  /** `VideoStorageS3Url`: where the result is pushed instead of being served from here. */
  storageUrl: z.string().optional(),
});
export type VideoTaskSpec = z.infer<typeof videoTaskSpecSchema>;

/** What a finished task produced. File names are relative to the task's media directory. */
export const videoTaskResultSchema = z.object({
  mediaFile: z.string(),
  subtitlesFile: z.string().optional(),
  durationMs: z.number(),
  textTimestamps: z.array(
    z.object({
      Sentence: z.string(),
      Words: z.array(z.object({ Word: z.string(), StartTimestamp: z.number(), EndTimestamp: z.number() })),
    }),
  ),
  /** Set when the result was pushed to the customer's storage. */
  pushedMediaUrl: z.string().optional(),
  pushedSubtitlesUrl: z.string().optional(),
});
export type VideoTaskResult = z.infer<typeof videoTaskResultSchema>;

export interface VideoTaskRecord {
  taskId: string;
  appkey: string;
  /** Position in the queue: smaller was submitted earlier. */
  seq: number;
  spec: VideoTaskSpec;
  callbackUrl: string | null;
  status: VideoTaskStatus;
  /** Last persisted progress, 0..100; a running task's live progress is kept by the queue. */
  progress: number;
  result: VideoTaskResult | null;
  failCode: number;
  failMessage: string;
  /** Times the task was started; more than one means a restart interrupted it. */
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** When its files are deleted and the task forgotten; null while unfinished. */
  expiresAt: number | null;
}
