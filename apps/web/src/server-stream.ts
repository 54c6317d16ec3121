import {
  CommandChannelClosedError,
  DhumanClient,
  WhepError,
  openCommandChannel,
  playWhep,
  whepEndpointFromPlayAddress,
  type CommandChannel,
  type DriveEventPayload,
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
  /** Every event of the session's command channel (speak status, replies, transcripts, errors). */
  event?: (event: DriveEventPayload) => void;
}

/** A started server session: what the voice channel needs to open. */
export interface ServerSession {
  client: DhumanClient;
  sessionId: string;
}

/** SEND_TEXT data that has the text spoken as given rather than asked as a question (spec §4.4). */
const VERBATIM = Object.freeze({ ChatCommand: 'NotUseChat' });

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
  /** Settles once: with the session when it is started and its channel open, or undefined when it never is. */
  readonly ready: Promise<ServerSession | undefined>;
  settle: (session: ServerSession | undefined) => void;
  /** Torn down: whatever `ready` said, there is no session any more. */
  over?: boolean;
}

/**
 * The demo page's "Server stream" mode. The canvas player renders in the browser over the driverengine socket,
 * which has no server session behind it; so this makes one for the same project (a webrtc session), plays its
 * server-rendered stream over WHEP in `video`, muted since the canvas already plays the sound, and says every
 * text on its command channel too, so both show the same speech.
 *
 * A conversation needs this session: questions (typed, or spoken into the voice channel) are answered by the
 * session's dialogue engine and the answer is heard only in its stream, so then the video is made audible.
 */
export class ServerStream {
  readonly #video: HTMLVideoElement;
  readonly #baseUrl: string;
  readonly #hooks: ServerStreamHooks;
  #run: Run | undefined;
  #audible = false;

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

  /** A session is being started or is up (not stopped, ended or failed). */
  get running(): boolean {
    return this.#run !== undefined && !this.#run.over;
  }

  /** Whether the video plays its sound (a conversation) or stays muted beside the canvas (the default). */
  get audible(): boolean {
    return this.#audible;
  }

  setAudible(on: boolean): void {
    this.#audible = on;
    this.#video.muted = !on;
    // Unmuting may pause a video that autoplayed muted; this runs in the click that asked for sound.
    if (on && this.#video.srcObject) this.#video.play().catch(() => undefined);
  }

  /**
   * The current session once it is started and its command channel open; undefined when there is none or it
   * failed or stopped before that.
   */
  ready(): Promise<ServerSession | undefined> {
    const run = this.#run;
    return run && !run.over ? run.ready : Promise.resolve(undefined);
  }

  /** Stops any stream shown, then creates a session of `projectId` and plays it. Failures are reported, not thrown. */
  async start(credential: Credential, projectId: string): Promise<void> {
    this.stop();
    const client = new DhumanClient({ baseUrl: this.#baseUrl, ...credential });
    let settle: Run['settle'] = () => undefined;
    const ready = new Promise<ServerSession | undefined>((resolve) => (settle = resolve));
    const run: Run = { controller: new AbortController(), client, ready, settle };
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
      run.settle({ client, sessionId: created.SessionId });

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
      this.#video.muted = !this.#audible;
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

  /** Says `text` on the server session as well, as given (not as a question); nothing while no session is up. */
  say(text: string): void {
    const channel = this.#run?.channel;
    if (!channel) return;
    channel.say(text, { data: VERBATIM }).catch((error: unknown) => {
      if (!(error instanceof CommandChannelClosedError)) {
        this.#hooks.log('error', `server session: ${describeError(error)}`);
      }
    });
  }

  /**
   * Asks `text` as a question (SEND_TEXT without `ChatCommand`) under `reqId`, once the session is started; the
   * dialogue engine's answer arrives as Type 4 events and is spoken. Resolves when it has been spoken, rejects
   * with the drive's error or when there is no session to ask.
   */
  async ask(text: string, reqId: string): Promise<void> {
    const session = await this.ready();
    const channel = this.#run?.channel;
    if (!session || !channel) throw new Error('no server session to ask: it did not start');
    await channel.say(text, { reqId });
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
    channel.on('event', (event) => {
      if (this.#run === run) this.#hooks.event?.(event);
    });
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
    run.over = true;
    run.settle(undefined);
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
