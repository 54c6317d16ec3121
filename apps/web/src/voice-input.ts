import {
  MicrophoneCapture,
  MicrophoneError,
  describeVoiceClose,
  openVoiceChannel,
  rmsLevel,
  type DriveEventPayload,
  type VoiceChannel,
} from '@dhuman/client';
import { describeError } from './api.js';
import type { ServerSession } from './server-stream.js';

/** Where the microphone is: off, on its way, streaming to the session, or stopped by a failure. */
export type VoiceInputState = 'off' | 'connecting' | 'listening' | 'error';

export interface VoiceInputHooks {
  state: (state: VoiceInputState, message: string) => void;
  /** Every event of the voice channel: voice activity, transcripts, errors. */
  event: (event: DriveEventPayload) => void;
  /** The microphone's level for a meter, 0 (silence, -60 dBFS or less) to 1 (full scale), per chunk. */
  level: (level: number) => void;
  /** A line for the demo's log. */
  log: (kind: 'info' | 'error', detail: string) => void;
}

/** The meter's range: speech sits around -30 to -10 dBFS, a quiet room below -60. */
const METER_FLOOR_DB = -60;

function meterLevel(rms: number): number {
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB));
}

/**
 * The demo's microphone: records with MicrophoneCapture and streams into the session's voice channel, reporting
 * one state at a time. Either half failing stops the other, so a dead channel never leaves the microphone on.
 */
export class VoiceInput {
  readonly #hooks: VoiceInputHooks;
  #generation = 0;
  #state: VoiceInputState = 'off';
  #mic: MicrophoneCapture | undefined;
  #channel: VoiceChannel | undefined;

  constructor(hooks: VoiceInputHooks) {
    this.#hooks = hooks;
  }

  get state(): VoiceInputState {
    return this.#state;
  }

  /** Connecting or listening: what the microphone button shows as pressed. */
  get active(): boolean {
    return this.#state === 'connecting' || this.#state === 'listening';
  }

  /** What the voice channel sent and dropped (for tests and the console). */
  get stats(): VoiceChannel['stats'] | undefined {
    return this.#channel?.stats;
  }

  /**
   * Opens the voice channel of `session`, then starts the microphone, in `audioContext` when given (one made in
   * a click, so it may run). The server completes the upgrade once its recogniser runs, which takes a second or
   * more: recording only from then on means nothing said is lost to the queue's bound, and "listening" is shown
   * exactly while the words are heard.
   */
  async start(session: ServerSession, audioContext?: AudioContext): Promise<void> {
    // Bumped first: releasing a previous channel fires its 'closed', which must find itself outdated.
    const mine = ++this.#generation;
    this.#release();
    this.#set('connecting', 'Connecting the microphone…');
    const channel = openVoiceChannel(session.client, session.sessionId);
    this.#channel = channel;
    channel.on('event', (event) => {
      if (mine === this.#generation) this.#hooks.event(event);
    });
    channel.on('error', (error, reqId) => {
      // Errors of an utterance arrive as events too (the conversation shows them); these are the connection's.
      if (mine === this.#generation && reqId === undefined) {
        this.#hooks.log('error', `voice channel: ${describeError(error)}`);
      }
    });
    channel.on('closed', (code, reason) => {
      if (mine !== this.#generation) return;
      this.#fail(`The voice channel closed: ${describeVoiceClose(code, reason)}.`);
    });
    const opened = await new Promise<boolean>((resolve) => {
      channel.once('open', () => resolve(true));
      channel.once('closed', () => resolve(false));
    });
    if (!opened || mine !== this.#generation) return;
    this.#hooks.log('info', `voice channel of session ${session.sessionId} open`);

    let mic: MicrophoneCapture;
    try {
      mic = await MicrophoneCapture.start({
        ...(audioContext && { audioContext }),
        onChunk: (pcm) => {
          channel.send(pcm);
          this.#hooks.level(meterLevel(rmsLevel(pcm)));
        },
        onEnded: () => {
          if (mine === this.#generation)
            this.#fail('The microphone stopped: unplugged, or access was revoked.');
        },
      });
    } catch (error) {
      if (mine !== this.#generation) return;
      const message = error instanceof MicrophoneError ? error.message : describeError(error);
      this.#fail(`The microphone could not start: ${message}.`);
      return;
    }
    if (mine !== this.#generation) {
      mic.stop();
      return;
    }
    this.#mic = mic;
    if (mic.settings.echoCancellation === false) {
      this.#hooks.log(
        'info',
        'this browser gave no echo cancellation: use headphones, or the avatar hears itself',
      );
    }
    this.#set('listening', 'Listening');
  }

  /** Turns the microphone off and closes the voice channel; idempotent. */
  stop(): void {
    this.#generation++;
    this.#release();
    this.#set('off', '');
  }

  #fail(message: string): void {
    this.#generation++;
    this.#release();
    this.#hooks.log('error', message);
    this.#set('error', message);
  }

  #release(): void {
    this.#mic?.stop();
    this.#mic = undefined;
    this.#channel?.close();
    this.#channel = undefined;
    this.#hooks.level(0);
  }

  #set(state: VoiceInputState, message: string): void {
    this.#state = state;
    this.#hooks.state(state, message);
  }
}
