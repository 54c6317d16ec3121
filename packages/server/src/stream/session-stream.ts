import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AvatarManifest } from '@dhuman/avatar';
import type { MediaFrame } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import {
  AvatarFrameRenderer,
  FfmpegEncoder,
  SessionStreamPump,
  type LiveTarget,
  type SessionStreamPumpStats,
  type StreamTickSource,
} from '@dhuman/media';
import { RtpFanout } from './rtp-fanout.js';

export interface StreamFormat {
  width: number;
  height: number;
  fps: number;
}

/** Where one session's encode goes; at least one output. */
export interface StreamOutputs {
  /** H.264 + Opus RTP into a fan-out for WebRTC viewers. */
  rtp: boolean;
  /** HLS segments in a fresh folder under `hlsRoot`. */
  hls: boolean;
  /** RTMP push target. */
  rtmpUrl?: string;
}

export interface SessionStreamOptions {
  sessionId: string;
  manifest: AvatarManifest;
  format: StreamFormat;
  /** The session's media bus and the clock ms that is pts 0 on it. */
  media: { onMedia(listener: (frame: MediaFrame) => void): () => void; originMs: number };
  clock: StreamTickSource;
  outputs: StreamOutputs;
  /** Parent folder of the per-stream HLS folders (a private temp dir). */
  hlsRoot: string;
  /** Called at most once, after the stream has torn itself down because ffmpeg or the renderer failed. */
  onFailure: (error: Error) => void;
  /** The ffmpeg binary (tests point it elsewhere to simulate failures). */
  ffmpegCommand?: string;
}

/**
 * One session's live stream: the avatar renderer (worker thread), one ffmpeg child, the pump that paces both on
 * the media clock (audio master), and the outputs' resources (RTP sockets, HLS folder). Everything it opens, it
 * closes: `close()` and a failure both end the worker, the process and the sockets, and remove the folder.
 */
export class SessionStream {
  readonly startedAt = Date.now();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly sessionId: string,
    readonly format: StreamFormat,
    private readonly renderer: AvatarFrameRenderer,
    private readonly encoder: FfmpegEncoder,
    private readonly pump: SessionStreamPump,
    /** The WebRTC viewers' packet source, when the stream has RTP. */
    readonly fanout: RtpFanout | undefined,
    /** The folder holding `index.m3u8` and its segments, when the stream has HLS. */
    readonly hlsDir: string | undefined,
  ) {}

  static async start(options: SessionStreamOptions): Promise<SessionStream> {
    const { format, outputs } = options;
    let failed: Error | undefined;
    let stream: SessionStream | undefined;
    const fail = (error: Error) => {
      if (failed || stream?.closing) return;
      failed = error;
      if (stream) void stream.close().then(() => options.onFailure(error));
    };
    const opened: { close(): unknown }[] = [];
    let hlsDir: string | undefined;
    let pump: SessionStreamPump | undefined;
    try {
      const renderer = await AvatarFrameRenderer.create({
        manifest: options.manifest,
        width: format.width,
        height: format.height,
        label: options.sessionId,
        onFault: (error) => fail(error),
      });
      opened.push(renderer);
      const fanout = outputs.rtp ? await RtpFanout.open() : undefined;
      if (fanout) opened.push(fanout);
      hlsDir = outputs.hls ? await mkdtemp(join(options.hlsRoot, 'hls-')) : undefined;
      const target: LiveTarget = {
        kind: 'live',
        ...(fanout && { rtp: { videoPort: fanout.videoPort, audioPort: fanout.audioPort } }),
        ...(hlsDir && { hls: { dir: hlsDir } }),
        ...(outputs.rtmpUrl && { rtmp: { url: outputs.rtmpUrl } }),
      };
      const encoder = new FfmpegEncoder();
      encoder.on('error', (error) => fail(error));
      opened.push(encoder);
      await encoder.start({
        video: format,
        audio: { sampleRate: SESSION_SAMPLE_RATE },
        target,
        ...(options.ffmpegCommand && { command: options.ffmpegCommand }),
      });
      pump = new SessionStreamPump({
        subscribe: (listener) => options.media.onMedia(listener),
        clock: options.clock,
        renderer,
        encoder,
        fps: format.fps,
        originMs: options.media.originMs,
        // A write fails the moment ffmpeg dies; its exit (the real reason: killed, exit code, last stderr line)
        // follows within milliseconds as the encoder's own error, which then wins.
        onError: (error) => {
          setTimeout(() => fail(error instanceof Error ? error : new Error(String(error))), 1_000).unref();
        },
      });
      stream = new SessionStream(options.sessionId, format, renderer, encoder, pump, fanout, hlsDir);
      pump.start();
      if (failed) throw failed;
      return stream;
    } catch (error) {
      stream = undefined;
      await pump?.stop();
      await Promise.all(opened.map((resource) => resource.close()));
      if (hlsDir) await rm(hlsDir, { recursive: true, force: true });
      throw error;
    }
  }

  get stats(): SessionStreamPumpStats {
    return this.pump.stats;
  }

  /** The ffmpeg child's pid and the render worker's thread id, for health checks and tests. */
  get processes(): { ffmpegPid: number | undefined; renderThreadId: number } {
    return { ffmpegPid: this.encoder.pid, renderThreadId: this.renderer.threadId };
  }

  get isClosed(): boolean {
    return this.closing !== undefined;
  }

  /** Stops pacing, then ends ffmpeg, the worker and the sockets and removes the HLS folder. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // The pump's stop() waits for writes in flight; a dead encoder rejects them, so it cannot hang.
      await this.pump.stop();
      await Promise.all([this.encoder.close(), this.renderer.close()]);
      this.fanout?.close();
      if (this.hlsDir) await rm(this.hlsDir, { recursive: true, force: true });
    })();
    return this.closing;
  }
}
