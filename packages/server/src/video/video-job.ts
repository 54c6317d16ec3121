import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpeechSegment, TtsProvider } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import {
  collectSpeech,
  concatClips,
  groupSentences,
  renderVideo,
  subtitleCues,
  textTimestamps,
  toSrt,
  type SubtitleCue,
  type VideoComposition,
  type VideoFormat,
  type VideoSentence,
} from '@dhuman/media';
import { ERRORS, IvhError } from '@dhuman/protocol';
import { createSpeechServices, speechFromAudio } from '@dhuman/speech';
import { writeMp3 } from './mp3-file.js';
import { VideoInputs, type VideoInputLimits } from './video-inputs.js';
import { pushToStorage, StorageError, type S3Settings } from './video-storage.js';
import type { VideoTaskRunner } from './video-task-queue.js';
import type { VideoTaskRecord, VideoTaskResult, VideoTaskSpec } from './video-task.js';
import type { VirtualmanResolver } from './virtualman.js';

export interface VideoJobOptions {
  tts: TtsProvider;
  resolver: VirtualmanResolver;
  /** `<data-dir>/media`: each task writes into `<mediaRoot>/<TaskId>/`. */
  mediaRoot: string;
  limits: VideoInputLimits;
  /** Server-side credentials for `s3://` storage targets. */
  s3?: S3Settings;
  storageTimeoutMs: number;
}

const EXTENSIONS: Record<VideoTaskSpec['format'], string> = {
  mp4: 'mp4',
  'webm-alpha': 'webm',
  'mov-alpha': 'mov',
  mp3: 'mp3',
};
const CONTENT_TYPES: Record<VideoTaskSpec['format'], string> = {
  mp4: 'video/mp4',
  'webm-alpha': 'video/webm',
  'mov-alpha': 'video/quicktime',
  mp3: 'audio/mpeg',
};
const SRT_TYPE = 'application/x-subrip';

/**
 * Share of the progress bar each stage gets. Drawing and encoding the frames is nearly all of a video's time, so
 * it gets most of the bar and the bar moves with frames ffmpeg has actually taken.
 */
const PROGRESS = { speech: 5, render: 90, concat: 97 };
/**
 * Idle time after the speech: two frames, for the mouth to ease shut on screen. Kept short because a broadcast
 * video is cut together with others, and its length should be the speech's (the engine's own trailing silence
 * already follows the last word).
 */
const TAIL_MS = 80;

/** Makes one task's files: speech, then the video (or the MP3), subtitles, and the optional push to storage. */
export class VideoJobRunner implements VideoTaskRunner {
  private readonly speech;

  constructor(private readonly opts: VideoJobOptions) {
    this.speech = createSpeechServices(opts.tts);
  }

  async run(
    task: VideoTaskRecord,
    signal: AbortSignal,
    onProgress: (percent: number) => void,
  ): Promise<VideoTaskResult> {
    const dir = join(this.opts.mediaRoot, task.taskId);
    // A task re-queued after a restart starts clean: whatever the interrupted attempt wrote is incomplete.
    await rm(dir, { recursive: true, force: true });
    const work = join(dir, 'work');
    await mkdir(work, { recursive: true, mode: 0o700 });
    try {
      const made =
        task.spec.kind === 'audio'
          ? await this.makeAudio(task, dir, signal, onProgress)
          : await this.makeVideo(task, dir, work, signal, onProgress);
      return await this.publish(task, dir, made, signal);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async makeAudio(
    task: VideoTaskRecord,
    dir: string,
    signal: AbortSignal,
    onProgress: (percent: number) => void,
  ): Promise<Made> {
    const text = task.spec.text ?? '';
    const segments = await this.synthesize(text, task.spec, signal);
    onProgress(50);
    const { pcm, words } = await collectSpeech(segments, signal);
    const mediaFile = `${task.taskId}.mp3`;
    await writeMp3(pcm, join(dir, mediaFile), { signal });
    const sentences = groupSentences(words, text);
    return {
      mediaFile,
      durationMs: Math.round((pcm.length * 1000) / SESSION_SAMPLE_RATE),
      sentences,
      cues: subtitleCues(sentences),
    };
  }

  private async makeVideo(
    task: VideoTaskRecord,
    dir: string,
    work: string,
    signal: AbortSignal,
    onProgress: (percent: number) => void,
  ): Promise<Made> {
    const { spec } = task;
    const virtualman = this.opts.resolver.resolve(task.appkey, spec.virtualmanKey);
    const inputs = new VideoInputs(work, this.opts.limits, signal);
    // Burned-in subtitles go into ffmpeg's filter graph, so their words are needed before the render starts.
    // Otherwise the TTS streams straight into the render, which starts ffmpeg and its workers meanwhile (see
    // renderVideo), and the words come back with the result.
    const wordsFirst = spec.composition?.subtitles === true;
    const segments =
      spec.audioUrl !== undefined
        ? speechFromAudio(await inputs.audio(spec.audioUrl), { volume: spec.voice.volume })
        : wordsFirst
          ? await this.synthesize(spec.text ?? '', spec, signal)
          : this.speechOf(spec.text ?? '', spec, signal);
    let sentences: VideoSentence[] = [];
    if (wordsFirst) {
      onProgress(PROGRESS.speech);
      sentences = groupSentences((await collectSpeech(segments, signal)).words, spec.text);
    }
    const composition = await this.composition(spec, inputs, subtitleCues(sentences));
    const clips = spec.composition;
    // Fetched and checked before the render, which a clip that cannot be used would waste.
    const intro =
      clips?.introUrl && (await inputs.clip(clips.introUrl, 'intro', 'VideoParam.VideoHeadFileUrl'));
    const outro =
      clips?.outroUrl && (await inputs.clip(clips.outroUrl, 'outro', 'VideoParam.VideoTailFileUrl'));
    const hasClips = Boolean(intro || outro);
    const mediaFile = `${task.taskId}.${EXTENSIONS[spec.format]}`;
    const format = spec.format as VideoFormat;
    const mainPath = hasClips ? join(work, `main.${EXTENSIONS[spec.format]}`) : join(dir, mediaFile);
    const rendered = await renderVideo(
      {
        manifest: virtualman.manifest,
        speech: segments,
        output: { format, path: mainPath },
        width: spec.width,
        height: spec.height,
        fps: spec.fps,
        tailMs: TAIL_MS,
        ...(spec.text !== undefined && { text: spec.text }),
        ...(composition && { composition }),
        signal,
      },
      (p) =>
        onProgress(PROGRESS.speech + ((PROGRESS.render - PROGRESS.speech) * p.framesEncoded) / p.totalFrames),
    );
    if (!wordsFirst) sentences = rendered.sentences;
    const cues = subtitleCues(sentences);
    if (!hasClips) return { mediaFile, durationMs: rendered.durationMs, sentences, cues };

    const joined = await concatClips(
      {
        ...(intro && { intro }),
        main: mainPath,
        ...(outro && { outro }),
        output: { format, path: join(dir, mediaFile) },
        width: spec.width,
        height: spec.height,
        fps: spec.fps,
        signal,
      },
      (p) =>
        onProgress(PROGRESS.render + ((PROGRESS.concat - PROGRESS.render) * p.framesEncoded) / p.totalFrames),
    ).catch((error: unknown) => {
      if (signal.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new IvhError(
        ERRORS.INVALID_PARAMETER_VALUE,
        `the intro or outro clip could not be used: ${reason}`,
      );
    });
    return {
      mediaFile,
      durationMs: joined.durationMs,
      sentences: shiftSentences(sentences, joined.introMs),
      cues: cues.map((c) => ({ ...c, startMs: c.startMs + joined.introMs, endMs: c.endMs + joined.introMs })),
    };
  }

  /** The media package's composition for the advanced fields; undefined when the spec has none. */
  private async composition(
    spec: VideoTaskSpec,
    inputs: VideoInputs,
    cues: SubtitleCue[],
  ): Promise<VideoComposition | undefined> {
    const c = spec.composition;
    if (!c) return undefined;
    const logos = [];
    for (const [i, logo] of c.logos.entries()) {
      const path = await inputs.image(logo.url, `logo-${i}`, `VideoParam.LogoParams[${i}].LogoFileUrl`);
      logos.push({ path, x: logo.x, y: logo.y, scale: logo.scale });
    }
    const composition: VideoComposition = {
      ...(c.backgroundUrl !== undefined && {
        backgroundImage: await inputs.image(c.backgroundUrl, 'background', 'VideoParam.BackgroundFileUrl'),
      }),
      ...(logos.length > 0 && { logos }),
      ...(c.avatar && { avatar: c.avatar }),
      ...(c.subtitles && cues.length > 0 && { subtitles: cues }),
    };
    return Object.keys(composition).length > 0 ? composition : undefined;
  }

  /** All of the speech for `text`: for a job that needs its words before anything else. */
  private async synthesize(text: string, spec: VideoTaskSpec, signal: AbortSignal): Promise<SpeechSegment[]> {
    const segments: SpeechSegment[] = [];
    for await (const segment of this.speechOf(text, spec, signal)) segments.push(segment);
    signal.throwIfAborted();
    return segments;
  }

  /** The speech for `text`, segment by segment as the TTS makes it; fails at the end if there was none. */
  private async *speechOf(
    text: string,
    spec: VideoTaskSpec,
    signal: AbortSignal,
  ): AsyncGenerator<SpeechSegment> {
    let spoken = false;
    for await (const segment of this.speech.render(text, spec.voice, signal)) {
      spoken = true;
      yield segment;
    }
    if (!spoken) throw new IvhError(ERRORS.INVALID_PARAMETER_VALUE, 'Payload.InputSsml has nothing to say');
  }

  /** Subtitles next to the media, then the push to the customer's storage when asked for. */
  private async publish(
    task: VideoTaskRecord,
    dir: string,
    made: Made,
    signal: AbortSignal,
  ): Promise<VideoTaskResult> {
    const subtitlesFile = made.cues.length > 0 ? `${task.taskId}.srt` : undefined;
    if (subtitlesFile) await writeFile(join(dir, subtitlesFile), toSrt(made.cues), { mode: 0o600 });
    const result: VideoTaskResult = {
      mediaFile: made.mediaFile,
      ...(subtitlesFile && { subtitlesFile }),
      durationMs: made.durationMs,
      textTimestamps: textTimestamps(made.sentences),
    };
    const target = task.spec.storageUrl;
    if (target === undefined) return result;
    try {
      const pushed = await pushToStorage(
        target,
        {
          media: {
            path: join(dir, made.mediaFile),
            contentType: CONTENT_TYPES[task.spec.format],
            baseName: made.mediaFile,
          },
          ...(subtitlesFile && {
            subtitles: { path: join(dir, subtitlesFile), contentType: SRT_TYPE, baseName: subtitlesFile },
          }),
        },
        { ...(this.opts.s3 && { s3: this.opts.s3 }), timeoutMs: this.opts.storageTimeoutMs, signal },
      );
      // The customer's storage holds the media now; only what was not pushed is still served from here.
      await rm(join(dir, made.mediaFile), { force: true });
      if (pushed.subtitlesUrl === undefined) return { ...result, pushedMediaUrl: pushed.mediaUrl };
      if (subtitlesFile) await rm(join(dir, subtitlesFile), { force: true });
      return {
        mediaFile: result.mediaFile,
        durationMs: result.durationMs,
        textTimestamps: result.textTimestamps,
        pushedMediaUrl: pushed.mediaUrl,
        pushedSubtitlesUrl: pushed.subtitlesUrl,
      };
    } catch (error) {
      if (error instanceof StorageError) throw new IvhError(ERRORS.STORAGE_REQUEST_FAILED, error.message);
      throw error;
    }
  }
}

interface Made {
  mediaFile: string;
  durationMs: number;
  sentences: VideoSentence[];
  cues: SubtitleCue[];
}

function shiftSentences(sentences: readonly VideoSentence[], ms: number): VideoSentence[] {
  if (ms === 0) return [...sentences];
  return sentences.map((s) => ({
    ...s,
    startMs: s.startMs + ms,
    endMs: s.endMs + ms,
    words: s.words.map((w) => ({ ...w, startMs: w.startMs + ms, endMs: w.endMs + ms })),
  }));
}
