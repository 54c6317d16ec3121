import {
  CommandChannelClosedError,
  DhumanClient,
  WhepError,
  openCommandChannel,
  playWhep,
  whepEndpointFromPlayAddress,
  type CommandChannel,
  type WhepPlayback,
} from '@dhuman/client';
import { describeError, type Credential } from './api.js';
import { describeStreamFailure } from './stream-status.js';
import { watchStreamEnd } from './stream-watch.js';

/** What the panel under the video says: off, on the way, live, over, or failed. */
export type ServerStreamState = 'off' | 'starting' | 'live' | 'ended' | 'error';

export interface ServerStreamHooks {
  state: (state: ServerStreamState, text: string) => void;
  /** A line for the demo's log. */
  log: (kind: 'info' | 'error', detail: string) => void;
}

/** The UserId the demo's server sessions are created for. */
const DEMO_USER = 'dhuman-demo';

/** One server session and its stream, from createsession to closesession; each start makes a new one. */
interface Run {
  readonly controller: AbortController;
  readonly client: DhumanClient;
  sessionId?: string | undefined;
  channel?: CommandChannel | undefined;
  playback?: WhepPlayback | undefined;
  unwatch?: (() => void) | undefined;
}

/**
 * The demo page's "Server stream" mode. The canvas player renders in the browser over the driverengine socket,
 * which has no server session behind it; so this makes one for the same project (a webrtc session), plays its
 * server-rendered stream over WHEP in `video`, muted since the canvas already plays the sound, and says every
 * text on its command channel too, so both show the same speech.
 */
export class ServerStream {
  readonly #video: HTMLVideoElement;
  readonly #baseUrl: string;
  readonly #hooks: ServerStreamHooks;
  #run: Run | undefined;

  constructor(video: HTMLVideoElement, baseUrl: string, hooks: ServerStreamHooks) {
    this.#video = video;
    this.#baseUrl = baseUrl;
    this.#hooks = hooks;
    video.addEventListener('playing', () => {
      const id = this.#run?.playback && this.#run.sessionId;
      if (id) hooks.state('live', `Live · session ${id}`);
    });
  }

  /** The playback shown (for tests and the console). */
  get playback(): WhepPlayback | undefined {
    return this.#run?.playback;
  }

  /** The server session behind it, while there is one. */
  get sessionId(): string | undefined {
    return this.#run?.sessionId;
  }

  /** Stops any stream shown, then creates a session of `projectId` and plays it. Failures are reported, not thrown. */
  async start(credential: Credential, projectId: string): Promise<void> {
    this.stop();
    const client = new DhumanClient({ baseUrl: this.#baseUrl, ...credential });
    const run: Run = { controller: new AbortController(), client };
    this.#run = run;
    const { signal } = run.controller;
    // stop() may come at any await; it tears down what exists then, and this tears down what arrives after.
    const stopped = () => {
      if (signal.aborted) this.#teardown(run);
      return signal.aborted;
    };
    try {
      this.#hooks.state('starting', 'Creating a server session…');
      const created = await client.createSession({
        VirtualmanProjectId: projectId,
        UserId: DEMO_USER,
        Protocol: 'webrtc',
      });
      run.sessionId = created.SessionId;
      if (stopped()) return;
      this.#hooks.log('info', `server session ${created.SessionId} created`);
      const ready = await client.waitUntilReady(created.SessionId);
      if (stopped()) return;
      // Started so that its command channel is accepted (spec §4.3); watching alone would not need it.
      await client.startSession(created.SessionId);
      if (stopped()) return;
      run.channel = this.#openChannel(run, created.SessionId);

      const address = ready.PlayStreamAddr || created.PlayStreamAddr;
      if (!address) throw new Error(`the server gave session ${created.SessionId} no play address`);
      this.#hooks.state('starting', 'Connecting to the stream…');
      const playback = await playWhep(this.#video, {
        endpoint: whepEndpointFromPlayAddress(address),
        signal,
      });
      run.playback = playback;
      run.unwatch = watchStreamEnd(playback, {
        ended: () => this.#ended(run, 'the stream ended'),
        unstable: (now) => {
          if (now) this.#hooks.state('starting', 'Connection interrupted, waiting for it to come back…');
          else this.#hooks.state('live', `Live · session ${created.SessionId}`);
        },
      });
      this.#video.muted = true;
      this.#video.play().catch(() => undefined);
      this.#hooks.state('starting', 'Connected, waiting for the first frame…');
      this.#hooks.log('info', `server stream of session ${created.SessionId} connected`);
    } catch (error) {
      if (signal.aborted || this.#run !== run) return;
      const message = error instanceof WhepError ? describeStreamFailure(error) : describeError(error);
      this.#hooks.log('error', `server stream: ${message}`);
      this.#hooks.state('error', message);
      this.#teardown(run);
    }
  }

  /** Stops the stream and closes the session; idempotent. */
  stop(): void {
    const run = this.#run;
    if (!run) return;
    this.#run = undefined;
    run.controller.abort();
    this.#teardown(run);
    this.#hooks.state('off', '');
  }

  /** Says `text` on the server session as well; nothing while no session is up. */
  say(text: string): void {
    const channel = this.#run?.channel;
    if (!channel) return;
    channel.say(text).catch((error: unknown) => {
      if (!(error instanceof CommandChannelClosedError)) {
        this.#hooks.log('error', `server session: ${describeError(error)}`);
      }
    });
  }

  interrupt(): void {
    try {
      this.#run?.channel?.stop();
    } catch {
      // The channel has just closed: there is nothing left to interrupt.
    }
  }

  #openChannel(run: Run, sessionId: string): CommandChannel {
    const channel = openCommandChannel(run.client, sessionId);
    // Errors of one drive reach say()'s promise; only those of the connection are reported from here.
    channel.on('error', (error, reqId) => {
      if (reqId === undefined) this.#hooks.log('error', `server session: ${describeError(error)}`);
    });
    channel.on('ended', (reason) => this.#ended(run, `session ${sessionId} ended (${reason})`));
    return channel;
  }

  /** The session or its stream ended by itself: say so and let go of the rest. */
  #ended(run: Run, why: string): void {
    if (this.#run !== run) return;
    this.#teardown(run);
    this.#hooks.log('info', `server stream: ${why}`);
    this.#hooks.state('ended', `Ended: ${why}. Turn the switch off and on to start another.`);
  }

  /** Releases what `run` holds, each thing once: the stream, the channel, and the session on the server. */
  #teardown(run: Run): void {
    run.unwatch?.();
    run.unwatch = undefined;
    void run.playback?.stop();
    run.playback = undefined;
    run.channel?.close();
    run.channel = undefined;
    const sessionId = run.sessionId;
    run.sessionId = undefined;
    if (sessionId) run.client.closeSession(sessionId).catch(() => undefined);
  }
}
