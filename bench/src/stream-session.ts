import WebSocket from 'ws';
import {
  openCommandChannel,
  whepEndpointFromPlayAddress,
  type CommandChannel,
  type DhumanClient,
} from '@dhuman/client';
import { countKind } from './notes.js';
import { StreamViewer } from './stream-viewer.js';

/**
 * One streamed session of the stream bench, set up as a client does it: createsession (webrtc, the project of
 * the size under test), statsession until ready, startsession, the command channel (the SDK's), then one WHEP
 * viewer from its PlayStreamAddr, which starts the session's stream. While talking it says one sentence after
 * another, each as soon as the previous one's TextOver came.
 */

/**
 * Sentences last 2.0-2.6 s; one without a TextOver after this long is left behind and the next one sent (which
 * replaces it), so an overloaded server still gets a new sentence about every 4 s and the bench never stalls.
 */
const SENTENCE_CAP_MS = 4_000;
/** When a sentence failed at once (refused), the pause before the next, so errors do not spin. */
const ERROR_PAUSE_MS = 500;
const FIRST_FRAME_TIMEOUT_MS = 15_000;

export interface SessionSetup {
  client: DhumanClient;
  projectId: string;
  fps: number;
  userId: string;
}

export class StreamSession {
  /** Sentences that reached TextOver, sentences left without one after SENTENCE_CAP_MS, and failures by kind. */
  readonly talk = { done: 0, late: 0, errors: {} as Record<string, number> };
  private talking: Promise<void> | undefined;
  private stopTalking: AbortController | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly sessionId: string,
    private readonly client: DhumanClient,
    private readonly channel: CommandChannel,
    readonly viewer: StreamViewer,
  ) {}

  /** Sets everything up and waits for the viewer's first video frame; undoes what it did when a step fails. */
  static async open(setup: SessionSetup): Promise<StreamSession> {
    const { client } = setup;
    const created = await client.createSession({
      VirtualmanProjectId: setup.projectId,
      UserId: setup.userId,
      Protocol: 'webrtc',
      DriverType: 1,
    });
    const sessionId = created.SessionId;
    let channel: CommandChannel | undefined;
    let viewer: StreamViewer | undefined;
    try {
      const ready = await client.waitUntilReady(sessionId, { intervalMs: 50 });
      await client.startSession(sessionId);
      channel = openCommandChannel(client, sessionId, { webSocket: WebSocket });
      viewer = await StreamViewer.open(whepEndpointFromPlayAddress(ready.PlayStreamAddr), setup.fps);
      await viewer.firstVideoFrame(FIRST_FRAME_TIMEOUT_MS);
      return new StreamSession(sessionId, client, channel, viewer);
    } catch (error) {
      await viewer?.close();
      channel?.close();
      await client.closeSession(sessionId).catch(() => undefined);
      throw error;
    }
  }

  /** Starts saying `nextSentence()` back to back, after `delayMs`. */
  startTalking(nextSentence: () => string, delayMs: number): void {
    if (this.talking) return;
    const stop = new AbortController();
    this.stopTalking = stop;
    this.talking = this.talkLoop(nextSentence, delayMs, stop.signal);
  }

  /** Stops after the sentence in progress (waiting at most SENTENCE_CAP_MS for it). */
  async quiet(): Promise<void> {
    this.stopTalking?.abort();
    await this.talking;
    this.talking = undefined;
  }

  private async talkLoop(nextSentence: () => string, delayMs: number, signal: AbortSignal): Promise<void> {
    await sleep(delayMs, signal);
    while (!signal.aborted) {
      const sentence = new AbortController();
      const cap = setTimeout(() => sentence.abort(new Error('late')), SENTENCE_CAP_MS);
      const onStop = () => sentence.abort(new Error('stopped'));
      signal.addEventListener('abort', onStop, { once: true });
      try {
        await this.channel.say(nextSentence(), { signal: sentence.signal });
        this.talk.done++;
      } catch (error) {
        const reason = sentence.signal.aborted ? (sentence.signal.reason as Error).message : undefined;
        if (reason === 'late') this.talk.late++;
        else if (reason !== 'stopped') {
          countKind(this.talk.errors, (error as Error).message);
          await sleep(ERROR_PAUSE_MS, signal);
        }
      } finally {
        clearTimeout(cap);
        signal.removeEventListener('abort', onStop);
      }
    }
  }

  /** Stops talking, leaves the stream, closes the channel and the session; never throws. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.quiet();
      await this.viewer.close();
      this.channel.close();
      await this.client.closeSession(this.sessionId).catch(() => undefined);
    })();
    return this.closing;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
