import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import WebSocket from 'ws';
import {
  DhumanClient,
  newReqId,
  openCommandChannel,
  type CommandChannel,
  type SayResult,
} from '@dhuman/client';
import { IvhError, SPEAK_STATUS, type DriveEventPayload } from '@dhuman/protocol';
import { wavFile } from '@dhuman/speech';
import { resolveTarget, withClientOptions, type ClientFlags } from '../client-options.js';
import { Interruption } from '../interruption.js';

interface SayFlags extends ClientFlags {
  session?: string;
  project: string;
  out?: string;
  stream?: boolean;
}

/** The media tap's audio: 24 kHz mono s16le. */
const TAP_SAMPLE_RATE = 24_000;
/**
 * How long to wait for what should follow at once: the tap's frames of an utterance whose TextOver arrived, and
 * the TextOver of an utterance stopped by Ctrl-C.
 */
const GRACE_MS = 2000;

/** A word for each speak status, after its name and time. */
const STATUS_NOTES: Partial<Record<string, string>> = {
  [SPEAK_STATUS.WAITING_TEXT_START]: 'accepted',
  [SPEAK_STATUS.WAITING_AUDIO_START]: 'accepted',
  [SPEAK_STATUS.TEXT_START]: 'first sample',
  [SPEAK_STATUS.AUDIO_START]: 'first sample',
  [SPEAK_STATUS.TEXT_OVER]: 'done',
  [SPEAK_STATUS.AUDIO_OVER]: 'done',
};

export function registerSay(program: Command): void {
  withClientOptions(
    program
      .command('say <text>')
      .description(
        'speak text (or SSML; "-" reads stdin) into a session: an existing one with --session, otherwise a ' +
          'new one that is created, started and closed again',
      )
      .option('--session <id>', 'a started session to speak into (default: create one for this command)')
      .option('--project <id>', 'VirtualmanProjectId of the session to create', 'demo')
      .option('--out <file.wav>', 'also write the audio as it plays (24 kHz mono 16-bit WAV)')
      .option('--stream', 'send the text as SEND_STREAMTEXT fragments, split on spaces'),
  ).action(async (text: string, flags: SayFlags) => {
    const interruption = new Interruption();
    try {
      await say(text === '-' ? (await readStdin()).trim() : text, flags, interruption.signal);
    } catch (error) {
      if (!interruption.signal.aborted) throw error;
    } finally {
      interruption.dispose();
    }
    if (interruption.signal.aborted) {
      process.stderr.write('dhuman: interrupted\n');
      process.exitCode = 130;
    }
  });
}

async function say(text: string, flags: SayFlags, signal: AbortSignal): Promise<void> {
  if (text.trim() === '') throw new Error('nothing to say: the text is empty');
  const target = resolveTarget(flags);
  const client = new DhumanClient({
    baseUrl: target.baseUrl,
    appkey: target.appkey,
    accesstoken: target.accesstoken,
  });
  let created: string | undefined;
  let channel: CommandChannel | undefined;
  let tap: AudioTap | undefined;
  let failed = true;
  try {
    let sessionId = flags.session;
    if (sessionId === undefined) {
      const session = await client.createSession({
        VirtualmanProjectId: flags.project,
        // A newer session with the same UserId would close an older one: never take over someone else's.
        UserId: `cli-say-${newReqId().slice(0, 12)}`,
        Protocol: 'webrtc',
        DriverType: 1,
      });
      created = sessionId = session.SessionId;
      await abortable(client.waitUntilReady(sessionId), signal);
      await abortable(client.startSession(sessionId), signal);
    }
    channel = openCommandChannel(client, sessionId, { webSocket: WebSocket });
    await abortable(whenOpen(channel), signal);
    // Not abortable: a tap left opening would keep the process alive; it opens at once or fails.
    if (flags.out !== undefined) tap = await AudioTap.open(client, sessionId);

    const speaking = channel;
    // Ctrl-C silences the avatar; the drive then ends with TextOver and the command finishes as usual.
    const stop = () => {
      try {
        speaking.stop();
      } catch {
        // The channel has already stopped; nothing is playing through it.
      }
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      const result = await speak(channel, text, flags.stream === true, signal);
      if (tap && flags.out !== undefined) {
        const pcm = await tap.audioOf(result.reqId);
        await writeFile(flags.out, wavFile(pcm, TAP_SAMPLE_RATE));
        const seconds = (pcm.length / TAP_SAMPLE_RATE).toFixed(2);
        process.stdout.write(`wrote ${flags.out}: ${seconds} s of ${TAP_SAMPLE_RATE} Hz mono audio\n`);
      }
      const timings = result.timings;
      if (timings?.FirstSampleMs !== undefined) {
        const chunk =
          timings.FirstChunkMs === undefined ? '' : `, first TTS chunk ${timings.FirstChunkMs} ms`;
        process.stdout.write(`first-sample latency ${timings.FirstSampleMs} ms (server Timings${chunk})\n`);
      }
    } finally {
      signal.removeEventListener('abort', stop);
    }
    failed = false;
  } finally {
    tap?.close();
    channel?.close();
    if (created !== undefined) {
      // A failure to close is worth an exit code only when it is the only thing that went wrong.
      const closing = client.closeSession(created);
      if (failed) await closing.catch(() => undefined);
      else await closing;
    }
  }
}

/** Sends the drive, prints each of its speak-status events, and resolves on its TextOver. */
async function speak(
  channel: CommandChannel,
  text: string,
  stream: boolean,
  signal: AbortSignal,
): Promise<SayResult> {
  const reqId = newReqId();
  const sentAt = performance.now();
  // On connect the server re-sends the status of the session's last drives: only this one's is printed.
  const off = channel.on('status', (event: DriveEventPayload) => {
    if (event.ReqId !== reqId || event.SpeakStatus === undefined) return;
    const now = performance.now();
    const status = event.SpeakStatus;
    const note = STATUS_NOTES[status];
    const line = `${status.padEnd(17)} +${Math.round(now - sentAt)} ms${note ? ` ${note}` : ''}`;
    process.stdout.write(`${line}\n`);
  });
  try {
    const drive = stream ? channel.streamText(fragments(text), { reqId }) : channel.say(text, { reqId });
    // After Ctrl-C the stop takes effect within a moment; should TextOver still not come, give up waiting.
    return await abortable(drive, signal, GRACE_MS);
  } finally {
    off();
  }
}

/** The text in pieces as an LLM would stream it: each word with the space after it. */
function fragments(text: string): string[] {
  return text.split(/(?<= )/).filter((piece) => piece !== '');
}

/**
 * Resolves once the channel is open; rejects with why it could not open: the server's refusal (an IvhError
 * such as 110018 for an unknown session) or a connection failure. A one-shot command does not retry these.
 */
function whenOpen(channel: CommandChannel): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined;
    const offs = [
      channel.on('open', () => settle()),
      channel.on('error', (error, reqId) => {
        if (reqId !== undefined) return;
        lastError = error;
        // A refusal ends the channel (session gone) or would be retried forever (e.g. not started): stop here.
        settle(error);
      }),
      channel.on('ended', (reason) => settle(lastError ?? new Error(`session ended: ${reason}`))),
      channel.on('replaced', (reason) => settle(new Error(`command channel replaced: ${reason}`))),
    ];
    function settle(error?: Error): void {
      for (const off of offs) off();
      if (error) reject(error);
      else resolve();
    }
  });
}

interface TapFrame {
  kind?: unknown;
  utteranceId?: unknown;
  reqId?: unknown;
  pcm?: unknown;
}

interface TappedUtterance {
  /** The drive's ReqId, from its utterance-start frame. */
  reqId: string | undefined;
  chunks: Buffer[];
  ended: boolean;
}

/** The session's media tap (`/dhuman/ws/sessions/<id>/media`), keeping each utterance's audio as it plays. */
class AudioTap {
  readonly #ws: WebSocket;
  readonly #utterances = new Map<string, TappedUtterance>();
  readonly #listeners = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.#onFrame(data.toString('utf8'));
    });
  }

  static async open(client: DhumanClient, sessionId: string): Promise<AudioTap> {
    const path = `/dhuman/ws/sessions/${encodeURIComponent(sessionId)}/media`;
    const url = (await client.signedUrl(path)).replace(/^http/, 'ws');
    const ws = new WebSocket(url);
    const tap = new AudioTap(ws);
    await new Promise<void>((resolve, reject) => {
      // Kept for good: `ws` throws an 'error' nobody listens to, and one follows an aborted handshake.
      ws.on('error', reject);
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          reject(refusal(response.statusCode ?? 0, body));
          ws.terminate();
        });
      });
    });
    return tap;
  }

  /** The audio of the drive `reqId` once the tap has seen it end; what arrived so far if it does not end in time. */
  async audioOf(reqId: string): Promise<Int16Array> {
    const id = await this.#until(() => this.#utteranceOf(reqId));
    if (id === undefined) return new Int16Array(0);
    await this.#until(() => (this.#utterances.get(id)?.ended ? true : undefined));
    return pcm16(Buffer.concat(this.#utterances.get(id)?.chunks ?? []));
  }

  close(): void {
    this.#ws.close();
  }

  #utteranceOf(reqId: string): string | undefined {
    for (const [id, utterance] of this.#utterances) if (utterance.reqId === reqId) return id;
    return undefined;
  }

  /** Resolves with `check()`'s first defined value, or undefined after GRACE_MS. */
  #until<T>(check: () => T | undefined): Promise<T | undefined> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (value: T | undefined) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(value);
      };
      const listener = () => {
        const value = check();
        if (value !== undefined) done(value);
      };
      const timer = setTimeout(() => done(undefined), GRACE_MS);
      this.#listeners.add(listener);
    });
  }

  #onFrame(text: string): void {
    let frame: TapFrame;
    try {
      frame = JSON.parse(text) as TapFrame;
    } catch {
      return;
    }
    if (typeof frame.utteranceId !== 'string') return;
    let utterance = this.#utterances.get(frame.utteranceId);
    if (!utterance) {
      utterance = { reqId: undefined, chunks: [], ended: false };
      this.#utterances.set(frame.utteranceId, utterance);
    }
    if (frame.kind === 'utterance-start')
      utterance.reqId = typeof frame.reqId === 'string' ? frame.reqId : undefined;
    else if (frame.kind === 'utterance-end') utterance.ended = true;
    else if (frame.kind === 'audio' && typeof frame.pcm === 'string')
      utterance.chunks.push(Buffer.from(frame.pcm, 'base64'));
    for (const listener of [...this.#listeners]) listener();
  }
}

/** s16le bytes → samples, whatever the host's byte order. */
function pcm16(bytes: Buffer): Int16Array {
  const samples = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** The error an upgrade refusal stands for: the server's IvhError when the body is an IVH envelope. */
function refusal(status: number, body: string): Error {
  try {
    const header = (JSON.parse(body) as { Header?: { Code?: unknown; Message?: unknown } }).Header;
    if (typeof header?.Code === 'number' && header.Code !== 0) {
      return IvhError.fromWire(header.Code, typeof header.Message === 'string' ? header.Message : '');
    }
  } catch {
    // Not an envelope: described by its status below.
  }
  return new Error(`media tap refused: HTTP ${status}`);
}

/**
 * `work`, or a rejection with the abort reason once `signal` aborts (after `graceMs`, giving work that the
 * abort stops the time to finish on its own).
 */
async function abortable<T>(work: Promise<T>, signal: AbortSignal, graceMs = 0): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      timer = setTimeout(() => reject(signal.reason as Error), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
