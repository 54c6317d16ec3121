import type { AvatarFrame, AvatarRenderer } from '@dhuman/avatar';
import { CLIENT_RENDER_SAMPLE_RATE, ERRORS, IvhError } from '@dhuman/protocol';
import { newReqId } from '../req-id.js';
import { AudioClock } from './audio-clock.js';
import { AudioScheduler } from './audio-scheduler.js';
import { fitCanvas } from './canvas-size.js';
import {
  stopStreamFrame,
  stopTextFrame,
  streamFragmentFrame,
  textFrame,
  type SpeechChunk,
  type UpstreamFrame,
} from './driver-frames.js';
import { DriverSocket } from './driver-socket.js';
import { FaceTimeline } from './face-timeline.js';
import { IdleTime } from './idle-time.js';
import { decodePcmBase64 } from './pcm.js';
import { Subtitles } from './subtitles.js';
import type {
  AvatarPlayer,
  PlayerEvent,
  PlayerListener,
  SpeakOptions,
  StreamOptions,
  TextStream,
  Utterance,
} from './types.js';
import { LiveUtterance } from './utterance.js';

/** What `attachAvatarPlayer` has prepared. */
export interface PlayerParts {
  canvas: HTMLCanvasElement;
  context2d: CanvasRenderingContext2D;
  renderer: AvatarRenderer;
  audioContext: AudioContext;
  /** The player made the context, so it closes it. */
  ownsAudioContext: boolean;
  projectId: string;
  jitterSec: number;
  subtitles: HTMLElement | undefined;
  /** A freshly signed driverengine URL. */
  signedSocketUrl: () => Promise<string>;
}

const SAMPLES_PER_MS = CLIENT_RENDER_SAMPLE_RATE / 1000;

/**
 * The avatar player: one driverengine socket, one audio timeline and one canvas. Utterances play in the order
 * they were started. Sound is scheduled on the AudioContext timeline and every animation frame draws the mouth
 * for the sample audible at that moment, so sound and mouth cannot drift apart; stopping clears both at once.
 */
export class AvatarPlayerImpl implements AvatarPlayer {
  readonly analyser: AnalyserNode;
  readonly audioContext: AudioContext;
  readonly renderer: AvatarRenderer;
  readonly #parts: PlayerParts;
  readonly #gain: GainNode;
  readonly #clock: AudioClock;
  readonly #scheduler: AudioScheduler;
  readonly #faces: FaceTimeline;
  readonly #subtitles: Subtitles;
  readonly #socket: DriverSocket;
  readonly #idle = new IdleTime();
  readonly #listeners = new Set<PlayerListener>();
  readonly #live = new Map<string, LiveUtterance>();
  /** The dialogue's `StreamId`: one per player. */
  readonly #streamId = newReqId();
  #frame: AvatarFrame = { weights: null, timeSec: 0 };
  #raf: number | undefined;
  #closed = false;

  constructor(parts: PlayerParts) {
    this.#parts = parts;
    this.renderer = parts.renderer;
    const context = parts.audioContext;
    this.audioContext = context;
    this.#gain = context.createGain();
    this.analyser = context.createAnalyser();
    this.#gain.connect(this.analyser);
    this.analyser.connect(context.destination);
    this.#clock = new AudioClock(context);
    this.#scheduler = new AudioScheduler(context, this.#gain, {
      jitterSec: parts.jitterSec,
      onStart: (reqId, time) => this.#started(reqId, time),
      onDrained: (reqId, end) => this.#drained(reqId, end),
    });
    this.#faces = new FaceTimeline(this.#scheduler);
    this.#subtitles = new Subtitles({
      element: parts.subtitles,
      onWord: (word) => this.#emit({ type: 'word', ...word }),
    });
    this.#socket = new DriverSocket({
      signedUrl: parts.signedSocketUrl,
      strayError: (reqId, code, message) => this.#emit({ type: 'error', reqId, code, message }),
    });
    this.#draw();
    this.#raf = requestAnimationFrame(this.#tick);
  }

  get frame(): AvatarFrame {
    return this.#frame;
  }

  get underruns(): number {
    return this.#scheduler.underruns;
  }

  on(listener: PlayerListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  speak(text: string, options: SpeakOptions = {}): Utterance {
    this.#assertOpen();
    if (typeof text !== 'string' || text.trim() === '') throw new TypeError('speak: text is empty');
    const live = this.#begin(options.reqId, text);
    this.#send(
      live,
      textFrame(live.target, text, { ssml: options.ssml ?? false, speechParam: options.speechParam }),
      text,
    );
    return live.handle;
  }

  stream(options: StreamOptions = {}): TextStream {
    this.#assertOpen();
    const live = this.#begin(options.reqId, '', 'stream');
    let seq = 0;
    let ended = false;
    return {
      utterance: live.handle,
      push: (fragment: string) => {
        if (ended) throw new Error(`stream ${live.reqId}: push after end()`);
        if (live.state !== 'active' || this.#closed || fragment === '') return;
        seq++;
        const param = seq === 1 ? options.speechParam : undefined;
        this.#subtitles.appendText(live.reqId, fragment);
        this.#send(live, streamFragmentFrame(live.target, fragment, seq, false, param), fragment);
      },
      end: () => {
        if (ended) return;
        ended = true;
        if (live.state !== 'active' || this.#closed) return;
        seq++;
        const param = seq === 1 ? options.speechParam : undefined;
        this.#send(live, streamFragmentFrame(live.target, '', seq, true, param), '');
      },
    };
  }

  interrupt(): void {
    if (this.#closed) return;
    const stopped = [...this.#live.values()];
    this.#scheduler.stopAll();
    this.#faces.clear();
    this.#subtitles.endAll();
    this.#draw();
    for (const live of stopped) {
      // Only what the server may still be rendering needs a stop frame.
      if (!live.final && live.sentAt !== undefined) {
        const frame = live.kind === 'stream' ? stopStreamFrame(live.target) : stopTextFrame(live.target);
        this.#socket.send(live.reqId, frame);
      }
      this.#settle(live, 'interrupted');
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#raf !== undefined) cancelAnimationFrame(this.#raf);
    this.#raf = undefined;
    this.#scheduler.stopAll();
    this.#faces.clear();
    this.#clock.cancelAll();
    // Closing the socket stops the server's rendering of everything on it; no stop frames are needed.
    this.#socket.close();
    for (const live of [...this.#live.values()]) this.#settle(live, 'interrupted');
    this.#subtitles.dispose();
    this.#gain.disconnect();
    this.analyser.disconnect();
    if (this.#parts.ownsAudioContext) this.audioContext.close().catch(() => undefined);
    this.#listeners.clear();
  }

  readonly #tick = (): void => {
    if (this.#closed) return;
    this.#raf = requestAnimationFrame(this.#tick);
    this.#draw();
  };

  #draw(): void {
    const { canvas, context2d } = this.#parts;
    fitCanvas(canvas);
    const now = this.#clock.now();
    const position = this.#scheduler.positionAt(now);
    this.#subtitles.update(position && { reqId: position.reqId, ms: position.sample / SAMPLES_PER_MS });
    const running = this.audioContext.state === 'running';
    this.#frame = {
      weights: this.#faces.weightsAt(now),
      timeSec: this.#idle.at(now, running, performance.now()),
    };
    this.renderer.draw(context2d, this.#frame, canvas.width, canvas.height);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the avatar player is closed');
  }

  #begin(reqId: string | undefined, text: string, kind: 'text' | 'stream' = 'text'): LiveUtterance {
    const id = reqId ?? newReqId();
    if (typeof id !== 'string' || id === '') throw new TypeError('reqId must be a non-empty string');
    if (this.#live.has(id)) throw new Error(`ReqId ${id} is still playing; use a new one`);
    // Autoplay rules leave a context made before the first gesture suspended; speak() is usually that gesture.
    // Safari also has an 'interrupted' state (a call, another tab's audio); resume covers both.
    const state = this.audioContext.state;
    if (state !== 'running' && state !== 'closed') this.audioContext.resume().catch(() => undefined);
    const live = new LiveUtterance(
      { reqId: id, streamId: this.#streamId, projectId: this.#parts.projectId },
      kind,
    );
    live.unroute = this.#socket.route(id, {
      speech: (chunk) => this.#speech(live, chunk),
      error: (code, message) => this.#failed(live, code, message),
    });
    this.#live.set(id, live);
    this.#scheduler.open(id);
    this.#subtitles.begin(id, text);
    return live;
  }

  #send(live: LiveUtterance, frame: UpstreamFrame, text: string): void {
    const first = live.sentAt === undefined;
    if (first) live.sentAt = performance.now();
    this.#socket.send(live.reqId, frame);
    if (first) this.#emit({ type: 'sent', reqId: live.reqId, text });
  }

  #speech(live: LiveUtterance, chunk: SpeechChunk): void {
    if (live.state !== 'active' || live.final) return;
    if (!live.firstFrame) {
      live.firstFrame = true;
      this.#emit({ type: 'first-frame', reqId: live.reqId, ms: this.#since(live) });
    }
    let samples: Float32Array;
    try {
      samples = decodePcmBase64(chunk.audio);
    } catch {
      this.#failed(live, ERRORS.DRIVE_FAILED.code, 'SpeechRsp.Audio is not Base64');
      return;
    }
    this.#faces.add(live.reqId, live.samples, chunk.thFeat, chunk.thDim);
    if (chunk.words) this.#subtitles.addWords(live.reqId, chunk.words);
    live.samples += samples.length;
    this.#scheduler.push(live.reqId, samples);
    if (chunk.final) this.#finalize(live);
  }

  /** An error for one utterance: reported; what is already scheduled still plays, then it ends. */
  #failed(live: LiveUtterance, code: number, message: string): void {
    this.#emit({ type: 'error', reqId: live.reqId, code, message });
    if (live.state !== 'active' || live.final) return;
    live.error = IvhError.fromWire(code, message);
    this.#finalize(live);
  }

  #finalize(live: LiveUtterance): void {
    live.final = true;
    live.unroute();
    this.#scheduler.finish(live.reqId);
  }

  /** The scheduler placed the first sample of `reqId` at context time `time`. */
  #started(reqId: string, time: number): void {
    const live = this.#live.get(reqId);
    if (!live) return;
    live.startTime = time;
    live.own(this.#clock.at(time, (heardAt) => this.#heard(live, heardAt)));
  }

  #heard(live: LiveUtterance, heardAt: number): void {
    if (live.heard || live.state !== 'active') return;
    // Back to back, this start is the previous utterance's end; both timers are due, and the end goes first.
    for (const earlier of [...this.#live.values()]) {
      if (earlier === live || earlier.endTime === undefined || live.startTime === undefined) continue;
      if (earlier.endTime <= live.startTime) this.#ended(earlier, heardAt);
    }
    const ms = Math.max(0, heardAt - (live.sentAt ?? heardAt));
    live.markHeard(ms);
    this.#emit({ type: 'speaking', reqId: live.reqId, ms });
  }

  /** All of `reqId` is scheduled: it ends when its last sample has been heard. */
  #drained(reqId: string, end: number | undefined): void {
    const live = this.#live.get(reqId);
    if (!live) return;
    if (end === undefined) {
      this.#settle(live, 'ended');
      return;
    }
    live.endTime = end;
    live.own(this.#clock.at(end, (heardAt) => this.#ended(live, heardAt)));
  }

  /** The last sample of `live` has been heard. */
  #ended(live: LiveUtterance, heardAt: number): void {
    // Timers may run out of order under load; the start is reported before the end.
    if (!live.heard && live.startTime !== undefined) this.#heard(live, heardAt);
    this.#settle(live, 'ended');
  }

  #settle(live: LiveUtterance, end: 'ended' | 'interrupted'): void {
    if (!live.settle(end, live.error)) return;
    this.#live.delete(live.reqId);
    this.#faces.delete(live.reqId);
    if (end === 'ended') this.#subtitles.end(live.reqId);
    this.#emit({ type: end, reqId: live.reqId });
  }

  #since(live: LiveUtterance): number {
    return performance.now() - (live.sentAt ?? performance.now());
  }

  #emit(event: PlayerEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        // One failing listener must not stop the others or leave the player half-updated.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
