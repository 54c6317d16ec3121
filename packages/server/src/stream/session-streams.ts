import type { AvatarManifest } from '@dhuman/avatar';
import type { SessionManager, SessionRecord, StreamSettings } from '@dhuman/core';
import {
  addPumpStats,
  emptyPumpStats,
  type SessionStreamPumpStats,
  type StreamTickSource,
} from '@dhuman/media';
import { ERRORS, IvhError, SESSION_STATUS } from '@dhuman/protocol';
import type { StreamConfig } from '../config.js';
import type { DriveRegistry } from '../drive/drive-registry.js';
import { PlayAddresses } from './play-addresses.js';
import type { StreamTokens } from './play-tokens.js';
import { SessionStream, type StreamFormat, type StreamOutputs } from './session-stream.js';
import { streamFailureMessage } from './stream-failure.js';
import { WhepViewer } from './whep-viewer.js';

export interface SessionStreamsOptions {
  manager: SessionManager;
  drives: DriveRegistry;
  clock: StreamTickSource;
  config: StreamConfig;
  tokens: StreamTokens;
  /** The avatar a session draws; undefined when it no longer exists (deleted upload). */
  manifestFor: (session: SessionRecord) => AvatarManifest | undefined;
  settingsFor: (session: SessionRecord) => StreamSettings;
  /** Public base URL (DHUMAN_PUBLIC_URL or the listening address), known once the server listens. */
  baseUrl: () => string;
  /** The embedded RTMP server's port, when it runs. */
  embeddedRtmpPort: () => number | undefined;
  /** Parent folder for HLS output (private, removed at close). */
  hlsRoot: string;
  log: StreamLog;
  ffmpegCommand?: string;
}

export interface StreamLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

interface Entry {
  session: SessionRecord;
  settings: StreamSettings;
  stream: SessionStream | undefined;
  starting: Promise<SessionStream> | undefined;
  viewers: Set<WhepViewer>;
  /** Last WHEP leave or HLS request: the linger clock of a webrtc stream. */
  lastWatchedAt: number;
  /** The last stream failure, shown by statsession until a stream runs again. */
  error: IvhError | undefined;
  failures: number;
  retryTimer: NodeJS.Timeout | undefined;
}

/** A 512×512 stream at 25 fps: one unit of `StreamConfig.capacity`. */
const UNIT_PIXELS = 512 * 512;
const UNIT_FPS = 25;
/**
 * Half of a 512² stream's cost does not grow with its size (pacing, pipes, audio, the event loop, V8), half does
 * (drawing, x264): measured, a 1280×720 stream costs 2.1–2.3 times a 512² one, not the 3.5 of its pixels
 * (docs/benchmarks.md, "stream").
 */
const FIXED_SHARE = 0.5;
const SWEEP_MS = 2_000;
const MAX_RETRY_MS = 30_000;
/** A stream that ran this long before failing starts its retries from the shortest wait again. */
const HEALTHY_RUN_MS = 30_000;

/** What a stream of this format costs in capacity units (a 512² stream at 25 fps is 1; 1280×720 about 2.26). */
export function streamCost(format: StreamFormat): number {
  const pixels = (format.width * format.height) / UNIT_PIXELS;
  return (FIXED_SHARE + (1 - FIXED_SHARE) * pixels) * (format.fps / UNIT_FPS);
}

/**
 * The live streams of this node. webrtc sessions encode while someone watches (a WHEP viewer, or HLS requests
 * within the linger time); rtmp sessions push from status 1 until the session ends, retrying a failed push with
 * backoff. Admission keeps the total below the machine's measured capacity: 100008 beyond it.
 */
export class SessionStreams {
  private readonly entries = new Map<string, Entry>();
  /** Pump counters of streams that have ended, so totals never go backwards. */
  private readonly retired = emptyPumpStats();
  private readonly addresses: PlayAddresses;
  private readonly sweepTimer: NodeJS.Timeout;
  /** Streams of ended sessions still shutting down, so that `close()` waits for them too. */
  private readonly ending = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly opts: SessionStreamsOptions) {
    this.addresses = new PlayAddresses({
      tokens: opts.tokens,
      baseUrl: opts.baseUrl,
      embeddedRtmpPort: opts.embeddedRtmpPort,
      rtmpUrl: opts.config.rtmpUrl,
    });
    opts.manager.on('ready', (session) => {
      if (session.protocol === 'rtmp') this.startRtmp(this.entryFor(session));
    });
    opts.drives.onEnded((sessionId) => {
      const ending = this.end(sessionId);
      this.ending.add(ending);
      void ending.finally(() => this.ending.delete(ending));
    });
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  /** Capacity units in use by running and starting streams. */
  get load(): number {
    let units = 0;
    for (const entry of this.entries.values())
      if (entry.stream || entry.starting) units += streamCost(entry.settings);
    return units;
  }

  get running(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.stream) n++;
    return n;
  }

  get viewers(): number {
    let n = 0;
    for (const entry of this.entries.values()) n += entry.viewers.size;
    return n;
  }

  /** Pump counters summed over every stream this node has run (metrics; the stream benchmark reads them). */
  totals(): SessionStreamPumpStats {
    const sum = { ...this.retired };
    for (const entry of this.entries.values()) if (entry.stream) addPumpStats(sum, entry.stream.stats);
    return sum;
  }

  /** Closes a stream that no entry holds any more, keeping its counters. */
  private retire(stream: SessionStream): Promise<void> {
    addPumpStats(this.retired, stream.stats);
    return stream.close();
  }

  /** Throws 100008 when a stream of this format would not fit. */
  admit(format: StreamFormat): void {
    const { capacity } = this.opts.config;
    const cost = streamCost(format);
    if (this.load + cost > capacity + 1e-9) {
      throw new IvhError(
        ERRORS.CONCURRENCY_LIMIT_EXCEEDED,
        `this server is streaming at its capacity (${capacity} stream units of 512x512 at 25 fps); ` +
          'another stream would make every stream drop frames; retry later',
      );
    }
  }

  playAddress(session: SessionRecord): string {
    return this.addresses.playAddress(session, this.opts.settingsFor(session).playAddress);
  }

  /** The push target of an rtmp session (its own URL, the operator's, or the embedded server). */
  rtmpPushUrl(session: SessionRecord): string | undefined {
    return this.addresses.pushUrl(session);
  }

  /** The last stream failure of a live session, for statsession's ErrorCode/ErrorMessage. */
  streamError(sessionId: string): IvhError | undefined {
    return this.entries.get(sessionId)?.error;
  }

  /** The session's running stream, if any (tests, health). */
  streamOf(sessionId: string): SessionStream | undefined {
    return this.entries.get(sessionId)?.stream;
  }

  viewerCount(sessionId: string): number {
    return this.entries.get(sessionId)?.viewers.size ?? 0;
  }

  /** Adds a WebRTC viewer (starting the stream if needed) and returns its id and the SDP answer. */
  async addViewer(
    session: SessionRecord,
    offerSdp: string,
  ): Promise<{ viewerId: string; answerSdp: string }> {
    if (session.protocol !== 'webrtc') {
      throw new IvhError(
        ERRORS.INVALID_PARAMETER,
        'this is an rtmp session: watch its PlayStreamAddr or HLS',
      );
    }
    const entry = this.entryFor(session);
    const stream = await this.ensure(entry);
    if (!stream.fanout) throw new IvhError(ERRORS.INTERNAL_SYSTEM_ERROR, 'the stream has no WebRTC output');
    const { viewer, answerSdp } = await WhepViewer.answer({
      offerSdp,
      fanout: stream.fanout,
      iceServers: this.opts.config.iceServers,
      icePortRange: this.opts.config.icePortRange,
      onClosed: (gone) => {
        entry.viewers.delete(gone);
        entry.lastWatchedAt = Date.now();
      },
    });
    if (stream.isClosed || this.entries.get(session.sessionId) !== entry) {
      viewer.close();
      throw new IvhError(ERRORS.SESSION_CLOSED, 'the session ended while the viewer joined');
    }
    entry.viewers.add(viewer);
    return { viewerId: viewer.id, answerSdp };
  }

  /** Ends one WHEP viewer; false when there is no such viewer of this session. */
  removeViewer(sessionId: string, viewerId: string): boolean {
    const entry = this.entries.get(sessionId);
    for (const viewer of entry?.viewers ?? []) {
      if (viewer.id === viewerId) {
        viewer.close();
        return true;
      }
    }
    return false;
  }

  /** The folder of the session's HLS output, starting the stream if needed; each call counts as watching. */
  async hlsDir(session: SessionRecord): Promise<string> {
    const entry = this.entryFor(session);
    entry.lastWatchedAt = Date.now();
    const stream = entry.stream ?? (session.protocol === 'webrtc' ? await this.ensure(entry) : undefined);
    if (!stream?.hlsDir) {
      throw new IvhError(
        ERRORS.SESSION_NOT_READY,
        entry.error
          ? `the stream is not running: ${entry.error.message}`
          : 'the stream is starting; retry shortly',
      );
    }
    return stream.hlsDir;
  }

  /** An HLS player just read the stream: it counts as watching until the linger time has passed again. */
  markWatched(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (entry) entry.lastWatchedAt = Date.now();
  }

  private entryFor(session: SessionRecord): Entry {
    let entry = this.entries.get(session.sessionId);
    if (!entry) {
      entry = {
        session,
        settings: this.opts.settingsFor(session),
        stream: undefined,
        starting: undefined,
        viewers: new Set(),
        lastWatchedAt: Date.now(),
        error: undefined,
        failures: 0,
        retryTimer: undefined,
      };
      this.entries.set(session.sessionId, entry);
    }
    return entry;
  }

  /** The entry's running stream, starting it (after admission) when there is none. */
  private ensure(entry: Entry): Promise<SessionStream> {
    if (entry.stream) return Promise.resolve(entry.stream);
    if (entry.starting) return entry.starting;
    if (this.closed)
      return Promise.reject(new IvhError(ERRORS.SESSION_CLOSED, 'the server is shutting down'));
    this.admit(entry.settings);
    entry.starting = this.startStream(entry).finally(() => {
      entry.starting = undefined;
    });
    return entry.starting;
  }

  private async startStream(entry: Entry): Promise<SessionStream> {
    const { session } = entry;
    const manifest = this.opts.manifestFor(session);
    if (!manifest) throw new IvhError(ERRORS.AVATAR_LOAD_FAILED, "the session's avatar no longer exists");
    const outputs: StreamOutputs =
      session.protocol === 'rtmp'
        ? { rtp: false, hls: true, rtmpUrl: this.addresses.pushUrl(session) }
        : { rtp: true, hls: true };
    if (session.protocol === 'rtmp' && !outputs.rtmpUrl) {
      throw new IvhError(
        ERRORS.STREAM_UPDATE_FAILED,
        'no RTMP target: give ProtocolOption.CssCustomPushUrl, or set DHUMAN_RTMP_URL or DHUMAN_RTMP_PORT',
      );
    }
    const drive = this.opts.drives.forSession(session);
    const stream = await SessionStream.start({
      sessionId: session.sessionId,
      manifest,
      format: entry.settings,
      media: drive,
      clock: this.opts.clock,
      outputs,
      hlsRoot: this.opts.hlsRoot,
      onFailure: (error) => this.onFailure(entry, stream, error),
      ...(this.opts.ffmpegCommand && { ffmpegCommand: this.opts.ffmpegCommand }),
    });
    if (this.closed || this.entries.get(session.sessionId) !== entry) {
      await this.retire(stream);
      throw new IvhError(ERRORS.SESSION_CLOSED, 'the session ended while its stream started');
    }
    entry.stream = stream;
    entry.error = undefined;
    this.opts.log.info(
      { sessionId: session.sessionId, ...stream.processes, ...entry.settings },
      'stream started',
    );
    return stream;
  }

  private onFailure(entry: Entry, stream: SessionStream, error: Error): void {
    // The stream has already closed itself; only its counters are kept.
    if (entry.stream === stream) {
      entry.stream = undefined;
      void this.retire(stream);
    }
    for (const viewer of entry.viewers) viewer.close();
    const message = streamFailureMessage(error);
    entry.error = new IvhError(ERRORS.STREAM_UPDATE_FAILED, message);
    this.opts.log.warn({ sessionId: entry.session.sessionId, reason: message }, 'stream failed');
    this.opts.drives.get(entry.session.sessionId)?.reportError('', entry.error);
    if (entry.session.protocol === 'rtmp' && this.entries.get(entry.session.sessionId) === entry) {
      if (Date.now() - stream.startedAt > HEALTHY_RUN_MS) entry.failures = 0;
      this.scheduleRetry(entry);
    }
  }

  private startRtmp(entry: Entry): void {
    if (this.closed || entry.stream || entry.starting) return;
    this.ensure(entry).then(
      () => undefined,
      (error: unknown) => {
        const ivh =
          error instanceof IvhError
            ? error
            : new IvhError(ERRORS.STREAM_UPDATE_FAILED, streamFailureMessage(error));
        entry.error = ivh;
        this.opts.log.warn(
          { sessionId: entry.session.sessionId, reason: ivh.message },
          'rtmp stream did not start',
        );
        this.opts.drives.get(entry.session.sessionId)?.reportError('', ivh);
        if (this.entries.get(entry.session.sessionId) === entry) this.scheduleRetry(entry);
      },
    );
  }

  private scheduleRetry(entry: Entry): void {
    clearTimeout(entry.retryTimer);
    const waitMs = Math.min(MAX_RETRY_MS, 1000 * 2 ** entry.failures);
    entry.failures++;
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      if (this.isLive(entry.session)) this.startRtmp(entry);
    }, waitMs);
    entry.retryTimer.unref();
  }

  private isLive(session: SessionRecord): boolean {
    try {
      return this.opts.manager.get(session.appkey, session.sessionId).status === SESSION_STATUS.READY;
    } catch {
      return false;
    }
  }

  /** Stops webrtc streams nobody has watched for the linger time. */
  private sweep(): void {
    const now = Date.now();
    for (const entry of this.entries.values()) {
      if (entry.session.protocol !== 'webrtc' || !entry.stream || entry.viewers.size > 0) continue;
      if (now - entry.lastWatchedAt < this.opts.config.lingerMs) continue;
      const stream = entry.stream;
      entry.stream = undefined;
      this.opts.log.info({ sessionId: entry.session.sessionId }, 'stream stopped: no viewers');
      void this.retire(stream);
    }
  }

  private async end(sessionId: string): Promise<void> {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.entries.delete(sessionId);
    clearTimeout(entry.retryTimer);
    for (const viewer of entry.viewers) viewer.close();
    const stream = entry.stream ?? (await entry.starting?.catch(() => undefined));
    if (stream) await this.retire(stream);
  }

  /** Ends every stream and viewer; resolves when their processes and workers are gone. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    await Promise.all([...[...this.entries.keys()].map((sessionId) => this.end(sessionId)), ...this.ending]);
  }
}
