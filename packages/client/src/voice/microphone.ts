import { MICROPHONE_PROCESSOR, MICROPHONE_WORKLET_SOURCE } from './microphone-worklet.js';
import { PcmChunker, floatToInt16, rmsLevel } from './pcm16.js';
import { Resampler } from './resampler.js';

/** The voice channel's rate: 16 kHz mono. */
export const VOICE_SAMPLE_RATE = 16_000;

/** Why the microphone could not start. */
export type MicrophoneErrorKind =
  /** The visitor or the browser's settings refused access. */
  | 'denied'
  /** No microphone is connected (or none matches `deviceId`). */
  | 'no-device'
  /** The microphone is there but could not be opened, e.g. another program holds it. */
  | 'busy'
  /** The page is not a secure context (https:// or localhost), where browsers offer no microphone at all. */
  | 'insecure'
  /** The browser has no getUserMedia or AudioWorklet. */
  | 'unsupported'
  /** The worklet module did not load, usually a Content-Security-Policy without `blob:` in `script-src`. */
  | 'worklet'
  | 'failed';

export class MicrophoneError extends Error {
  readonly kind: MicrophoneErrorKind;

  constructor(kind: MicrophoneErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MicrophoneError';
    this.kind = kind;
  }
}

export interface MicrophoneCaptureOptions {
  /** Receives 16 kHz mono s16 chunks of `chunkMs` each, as recorded: what `VoiceChannel.send` takes. */
  onChunk: (pcm: Int16Array) => void;
  /** Chunk length, default 40 ms; 10 to 200. */
  chunkMs?: number;
  /**
   * The AudioContext to record in, e.g. one the page already made inside a click; default a new one, closed
   * again by `stop()`. A given one is left running.
   */
  audioContext?: AudioContext;
  /** A particular microphone (from `enumerateDevices`); default the system's. */
  deviceId?: string;
  /** Where to load the worklet module from instead of a Blob URL (see MICROPHONE_WORKLET_SOURCE). */
  workletUrl?: string;
  /** The microphone went away by itself (unplugged, access revoked); capture has stopped. */
  onEnded?: () => void;
}

/**
 * What is asked of the browser: its echo cancellation (the avatar's answer comes out of the same machine's
 * speakers, and without it the avatar would hear itself and interrupt itself), noise suppression and gain
 * control, which speech recognisers are tuned for, and one channel.
 */
export function microphoneConstraints(deviceId?: string): MediaStreamConstraints {
  return {
    audio: {
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
      channelCount: 1,
      ...(deviceId && { deviceId: { exact: deviceId } }),
    },
    video: false,
  };
}

/** A getUserMedia failure in the words a page can show. */
export function microphoneError(error: unknown): MicrophoneError {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MicrophoneError(
        'denied',
        'access to the microphone was denied; allow it in the browser (the icon in the address bar)',
        { cause: error },
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MicrophoneError('no-device', 'no microphone was found', { cause: error });
    case 'NotReadableError':
    case 'AbortError':
      return new MicrophoneError(
        'busy',
        'the microphone could not be opened; another application may be using it',
        { cause: error },
      );
    default:
      return new MicrophoneError(
        'failed',
        `the microphone could not start${error instanceof Error && error.message ? `: ${error.message}` : ''}`,
        { cause: error },
      );
  }
}

/** Worklet modules already added, per context: adding one twice would register the processor twice. */
const loadedWorklets = new WeakMap<BaseAudioContext, Promise<void>>();

function loadWorklet(context: AudioContext, workletUrl: string | undefined): Promise<void> {
  let loading = loadedWorklets.get(context);
  if (!loading) {
    loading = (async () => {
      if (workletUrl) return context.audioWorklet.addModule(workletUrl);
      const url = URL.createObjectURL(new Blob([MICROPHONE_WORKLET_SOURCE], { type: 'text/javascript' }));
      try {
        await context.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
    })();
    // A failed load may be retried later (say with a workletUrl), so it is not remembered.
    loading.catch(() => loadedWorklets.delete(context));
    loadedWorklets.set(context, loading);
  }
  return loading;
}

/**
 * The visitor's microphone as 16 kHz mono s16 chunks, in browsers: getUserMedia with echo cancellation, an
 * AudioWorklet that hands the samples over, then a low-pass resampler to 16 kHz. The resampling runs on the
 * main thread on purpose: it costs about 0.05 ms per 20 ms block, far less than shipping a resampler into the
 * worklet's separate module would add in code.
 */
export class MicrophoneCapture {
  /** The AudioContext's rate, from which the audio is resampled. */
  readonly inputSampleRate: number;
  /** What the browser actually applied (e.g. whether `echoCancellation` is on). */
  readonly settings: MediaTrackSettings;
  readonly #stream: MediaStream;
  readonly #context: AudioContext;
  readonly #ownsContext: boolean;
  readonly #source: MediaStreamAudioSourceNode;
  readonly #node: AudioWorkletNode;
  readonly #resampler: Resampler;
  readonly #chunker: PcmChunker;
  readonly #options: MicrophoneCaptureOptions;
  #level = 0;
  #stopped = false;

  private constructor(
    stream: MediaStream,
    context: AudioContext,
    ownsContext: boolean,
    options: MicrophoneCaptureOptions,
    chunkMs: number,
  ) {
    this.#stream = stream;
    this.#context = context;
    this.#ownsContext = ownsContext;
    this.#options = options;
    this.inputSampleRate = context.sampleRate;
    this.settings = stream.getAudioTracks()[0]?.getSettings() ?? {};
    this.#resampler = new Resampler(context.sampleRate, VOICE_SAMPLE_RATE);
    this.#chunker = new PcmChunker(Math.round((VOICE_SAMPLE_RATE * chunkMs) / 1000));
    this.#source = context.createMediaStreamSource(stream);
    this.#node = new AudioWorkletNode(context, MICROPHONE_PROCESSOR, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      channelCount: 1,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      // 20 ms blocks: few enough messages, and well inside a 40 ms chunk.
      processorOptions: { blockFrames: Math.max(128, Math.round(context.sampleRate / 50)) },
    });
    this.#node.port.onmessage = (event: MessageEvent<unknown>) => {
      if (event.data instanceof Float32Array) this.#onBlock(event.data);
    };
    this.#source.connect(this.#node);
    // The node's output stays silent (the processor never writes it); it is connected only so that every
    // browser pulls the node: one not leading to the destination may not be processed at all.
    this.#node.connect(context.destination);
    for (const track of stream.getAudioTracks()) {
      track.addEventListener('ended', () => {
        if (this.#stopped) return;
        this.stop();
        options.onEnded?.();
      });
    }
  }

  /**
   * Asks for the microphone and starts recording. Call it from a click or key handler: browsers start audio
   * (and show their permission prompt) only after a gesture. Throws MicrophoneError.
   */
  static async start(options: MicrophoneCaptureOptions): Promise<MicrophoneCapture> {
    const chunkMs = options.chunkMs ?? 40;
    if (!(Number.isFinite(chunkMs) && chunkMs >= 10 && chunkMs <= 200)) {
      throw new RangeError(`chunkMs must be from 10 to 200, got ${chunkMs}`);
    }
    const media = globalThis.navigator?.mediaDevices;
    if (typeof media?.getUserMedia !== 'function') {
      if (globalThis.isSecureContext === false) {
        throw new MicrophoneError(
          'insecure',
          'the browser offers the microphone only to secure pages: open this page over https:// or on localhost',
        );
      }
      throw new MicrophoneError('unsupported', 'this browser cannot record from a microphone');
    }
    if (typeof AudioWorkletNode !== 'function') {
      throw new MicrophoneError('unsupported', 'this browser has no AudioWorklet to record with');
    }
    let stream: MediaStream;
    try {
      stream = await media.getUserMedia(microphoneConstraints(options.deviceId));
    } catch (error) {
      throw microphoneError(error);
    }
    const context = options.audioContext ?? new AudioContext();
    const owns = options.audioContext === undefined;
    const release = () => {
      for (const track of stream.getTracks()) track.stop();
      if (owns) void context.close().catch(() => undefined);
    };
    // Not awaited: without a recent gesture resume() stays pending until one comes, and capture should wait
    // for it rather than fail.
    if (context.state === 'suspended') context.resume().catch(() => undefined);
    try {
      await loadWorklet(context, options.workletUrl);
    } catch (error) {
      release();
      throw new MicrophoneError(
        'worklet',
        'the microphone worklet did not load (a Content-Security-Policy needs blob: in script-src for it)',
        { cause: error },
      );
    }
    try {
      return new MicrophoneCapture(stream, context, owns, options, chunkMs);
    } catch (error) {
      release();
      throw microphoneError(error);
    }
  }

  /** RMS of the last chunk, 0 to 1: for a level meter. */
  get level(): number {
    return this.#level;
  }

  get active(): boolean {
    return !this.#stopped;
  }

  /** Stops recording and releases the microphone (the browser's recording indicator goes off). Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#node.port.onmessage = null;
    this.#node.port.postMessage('stop');
    this.#node.port.close();
    this.#source.disconnect();
    this.#node.disconnect();
    for (const track of this.#stream.getTracks()) track.stop();
    this.#level = 0;
    if (this.#ownsContext) void this.#context.close().catch(() => undefined);
  }

  #onBlock(block: Float32Array): void {
    if (this.#stopped) return;
    const pcm = floatToInt16(this.#resampler.process(block));
    for (const chunk of this.#chunker.push(pcm)) {
      this.#level = rmsLevel(chunk);
      this.#options.onChunk(chunk);
      // A listener may stop capture from inside onChunk.
      if (this.#stopped) return;
    }
  }
}
