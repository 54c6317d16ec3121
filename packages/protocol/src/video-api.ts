import { z } from 'zod';

/**
 * Request and response Payloads of the video-generation service ("videomaker", spec §6.1). As elsewhere, unknown
 * fields are ignored (§9.1: a missing `ReqId` is normal here) and every known field is checked.
 */

const BROADCAST = '/v2/ivh/videomaker/broadcastservice';

export const VIDEO_PATHS = Object.freeze({
  videomake: `${BROADCAST}/videomake`,
  videomakeadvanced: `${BROADCAST}/videomakeadvanced`,
  tts: `${BROADCAST}/tts`,
  getprogress: `${BROADCAST}/getprogress`,
  getaction: `${BROADCAST}/getaction`,
});

export const VIDEO_LIMITS = Object.freeze({
  /** `InputSsml`, counted in Unicode characters (code points), as the docs count them. */
  ssmlChars: 20_000,
  /** `InputSsml` when the format is TransparentMov (ProRes files are large). */
  movSsmlChars: 2_000,
  /** Every URL field; `CallbackUrl` must be shorter ("< 1000"). */
  urlChars: 1_000,
  /** Logos per video: far beyond a real layout, small enough to bound the filter graph. */
  logos: 8,
});

/** `VideoParam.Format`. `GreenScreenMp4` is the older docs' name for `Mp4`. */
export const VIDEO_FORMATS = ['TransparentWebm', 'TransparentMov', 'Mp4', 'GreenScreenMp4'] as const;
export type VideoFormatName = (typeof VIDEO_FORMATS)[number];

export const VIDEO_TASK_STATUSES = ['COMMIT', 'MAKING', 'SUCCESS', 'FAIL'] as const;
export type VideoTaskStatus = (typeof VIDEO_TASK_STATUSES)[number];

const reqId = z.string().max(128);

/** Length in code points: a character outside the BMP (an emoji, a rare Han character) counts once. */
const codePoints = (s: string): number => Array.from(s).length;

const ssml = z.string().refine((s) => codePoints(s) <= VIDEO_LIMITS.ssmlChars, {
  error: `must be at most ${VIDEO_LIMITS.ssmlChars} characters`,
});

const httpUrl = (max: number) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .regex(/^https?:\/\/[^\s]+$/i, { error: 'must be an http:// or https:// URL' });

const fileUrl = httpUrl(VIDEO_LIMITS.urlChars);

/** The video service's SpeechParam: a narrower speed range and a 0..10 volume, unlike sessions' -10..10. */
export const videoSpeechParamSchema = z.looseObject({
  Speed: z.number().min(0.5).max(1.5).optional(),
  TimbreKey: z.string().max(128).optional(),
  Volume: z.number().min(0).max(10).optional(),
  EmotionCategory: z.string().max(64).optional(),
  EmotionIntensity: z.number().min(50).max(200).optional(),
  TimbreLanguage: z.string().max(32).optional(),
});
export type VideoSpeechParam = z.infer<typeof videoSpeechParamSchema>;

/**
 * A logo of `videomakeadvanced` [I]: the docs name position (X, Y) and scale; dhuman reads `PositionX`/`PositionY`
 * as the logo's top-left corner in output pixels and `Scale` as a factor on the image's own size.
 */
export const logoParamSchema = z.looseObject({
  LogoFileUrl: fileUrl,
  PositionX: z.number().min(-8192).max(8192).optional(),
  PositionY: z.number().min(-8192).max(8192).optional(),
  Scale: z.number().min(0.01).max(10).optional(),
});

/**
 * The avatar's placement [I]: `HorizontalPosition`/`VerticalPosition` move its centre that many output pixels
 * from the frame centre (right, down), `Scale` resizes it (1 = as in a plain video), `Angle` turns it (degrees,
 * clockwise). Tencent offers this for 3D avatars only; dhuman's 2D avatars take it too.
 */
export const anchorParamSchema = z.looseObject({
  HorizontalPosition: z.number().min(-8192).max(8192).optional(),
  VerticalPosition: z.number().min(-8192).max(8192).optional(),
  Scale: z.number().min(0.1).max(3).optional(),
  Angle: z.number().min(-180).max(180).optional(),
});

export const videoParamSchema = z.looseObject({
  Format: z.enum(VIDEO_FORMATS, { error: `must be one of ${VIDEO_FORMATS.join(', ')}` }).optional(),
  /** An image behind the avatar (Mp4 only). Sent to `videomake` too by some clients [C]. */
  BackgroundFileUrl: fileUrl.optional(),
  LogoParams: z
    .union([logoParamSchema, z.array(logoParamSchema).max(VIDEO_LIMITS.logos)])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
  AnchorParam: anchorParamSchema.optional(),
  /** Intro and outro clips [I: the docs offer "remote addresses for an intro/outro video"]. */
  VideoHeadFileUrl: fileUrl.optional(),
  VideoTailFileUrl: fileUrl.optional(),
  /** Burned-in subtitles [I: the docs offer turning them on and off]. */
  ShowSubtitles: z.boolean().optional(),
});
export type VideoParam = z.output<typeof videoParamSchema>;

export const VIDEO_DRIVER_TYPES = ['Text', 'OriginalVoice'] as const;

const makeCommon = {
  ReqId: reqId.optional(),
  VirtualmanKey: z.string().min(1).max(128),
  InputSsml: ssml.optional(),
  SpeechParam: videoSpeechParamSchema.optional(),
  VideoParam: videoParamSchema.optional(),
  DriverType: z
    .enum(['Text', 'OriginalVoice', ''], { error: 'must be "Text" or "OriginalVoice"' })
    .optional()
    .transform((v) => (v === 'OriginalVoice' ? 'OriginalVoice' : 'Text')),
  InputAudioUrl: fileUrl.optional(),
  CallbackUrl: httpUrl(VIDEO_LIMITS.urlChars - 1).optional(),
  VideoStorageS3Url: z
    .string()
    .max(4096)
    .regex(/^(https?|s3):\/\/\S+$/i, {
      error: 'must be a pre-signed http(s):// PUT URL or s3://bucket/prefix',
    })
    .optional(),
};

/** Checks that span fields: the input the driver type needs, and the smaller text limit of ProRes videos. */
function checkMakeInput(
  payload: {
    DriverType: 'Text' | 'OriginalVoice';
    InputSsml?: string | undefined;
    InputAudioUrl?: string | undefined;
    VideoParam?: VideoParam | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (payload.DriverType === 'Text' && (payload.InputSsml ?? '').trim() === '') {
    ctx.addIssue({ code: 'custom', path: ['InputSsml'], message: 'is required when DriverType is Text' });
  }
  if (payload.DriverType === 'OriginalVoice' && !payload.InputAudioUrl) {
    ctx.addIssue({
      code: 'custom',
      path: ['InputAudioUrl'],
      message: 'is required when DriverType is OriginalVoice',
    });
  }
  if (
    payload.VideoParam?.Format === 'TransparentMov' &&
    payload.InputSsml !== undefined &&
    codePoints(payload.InputSsml) > VIDEO_LIMITS.movSsmlChars
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['InputSsml'],
      message: `must be at most ${VIDEO_LIMITS.movSsmlChars} characters when Format is TransparentMov`,
    });
  }
}

export const videoMakeRequestSchema = z.looseObject(makeCommon).superRefine(checkMakeInput);
export type VideoMakeRequest = z.output<typeof videoMakeRequestSchema>;

/** Audio only: the same text and voice fields, no picture. */
export const ttsRequestSchema = z
  .looseObject({
    ReqId: reqId.optional(),
    VirtualmanKey: z.string().min(1).max(128).optional(),
    InputSsml: ssml,
    SpeechParam: videoSpeechParamSchema.optional(),
    CallbackUrl: makeCommon.CallbackUrl,
    VideoStorageS3Url: makeCommon.VideoStorageS3Url,
  })
  .superRefine((payload, ctx) => {
    if (payload.InputSsml.trim() === '') {
      ctx.addIssue({ code: 'custom', path: ['InputSsml'], message: 'is empty' });
    }
  });
export type TtsRequest = z.output<typeof ttsRequestSchema>;

export const videoTaskIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be 1-64 letters, digits, "_" or "-"' });

/** `TaskId`; one client sends `TaskID` [C]. */
export const getProgressRequestSchema = z
  .looseObject({
    ReqId: reqId.optional(),
    TaskId: videoTaskIdSchema.optional(),
    TaskID: videoTaskIdSchema.optional(),
  })
  .transform((p, ctx) => {
    const taskId = p.TaskId ?? p.TaskID;
    if (taskId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['TaskId'], message: 'is required' });
      return z.NEVER;
    }
    return { ...p, TaskId: taskId };
  });

export const getActionRequestSchema = z.looseObject({
  ReqId: reqId.optional(),
  VirtualmanKey: z.string().min(1).max(128),
});

/** IVH's word timing: times in 100-ns units from the start of the video. */
export interface TextTimestampEntry {
  Sentence: string;
  Words: { Word: string; StartTimestamp: number; EndTimestamp: number }[];
}

export interface VideoProgressResponse {
  ReqId: string;
  TaskId: string;
  /** 0..100 while COMMIT/MAKING/SUCCESS; -1 once FAIL. */
  Progress: number;
  Status: VideoTaskStatus;
  /** Tasks ahead of this one in the queue while it is COMMIT; 0 otherwise. */
  ArrayCount: number;
  MediaUrl: string;
  SubtitlesUrl: string;
  /** Milliseconds of the finished video or audio; 0 before. */
  Duration: number;
  TextTimestampResult: TextTimestampEntry[];
  FailCode: number;
  FailMessage: string;
}

/** What `CallbackUrl` receives, once, when a task ends (spec §6.1). */
export interface VideoCallbackBody {
  Payload: {
    Progress: number;
    MediaUrl: string;
    SubtitlesUrl: string;
    Status: 'SUCCESS' | 'FAIL';
    FailMessage: string;
    TaskId: string;
  };
}

export interface VideoAction {
  ActionName: string;
  ActionCode: string;
  ActionSample: string;
}
