import { SPEAK_STATUS } from '@dhuman/protocol';
import { newReqId } from '../req-id.js';
import type { CommandName } from './frames.js';
import { AUDIO_PACING, Pacer } from './pacer.js';
import { pcmChunks, pcmToBase64 } from './pcm.js';
import type { SayOptions, SendAudioOptions, StreamTextOptions } from './types.js';
import type { SayResult, Waiters } from './waiters.js';

/**
 * The drive commands of spec §4.4 in the shapes Tencent's own SDKs send (§9.3), built on the channel's
 * `send` and its waiters. Kept apart from the connection handling so each file has one job.
 */
export interface DriveContext {
  send(command: CommandName, data: Readonly<Record<string, unknown>>, reqId: string): string;
  readonly waiters: Waiters;
  /** Streams still sending, by ReqId, so an interrupt can find the last Seq and stop the sender. */
  readonly streams: Map<string, StreamState>;
}

export interface StreamState {
  lastSeq: number;
  interrupted: boolean;
}

/** Runs a cleanup send whose failure must not hide the outcome being reported (the channel may be closed). */
function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // The drive's own result or error is what the caller needs; this one adds nothing.
  }
}

const aborted = (signal: AbortSignal): Promise<never> => Promise.reject(signal.reason as Error);

/** Sends SEND_TEXT and resolves on its TextOver. */
export function say(ctx: DriveContext, text: string, options: SayOptions = {}): Promise<SayResult> {
  if (options.signal?.aborted) return aborted(options.signal);
  const reqId = options.reqId ?? newReqId();
  const done = ctx.waiters.wait(reqId, SPEAK_STATUS.TEXT_OVER, options.signal);
  const interrupt = options.interrupt === undefined ? {} : { Interrupt: options.interrupt };
  try {
    ctx.send('SEND_TEXT', { ...options.data, Text: text, ...interrupt }, reqId);
  } catch (error) {
    ctx.waiters.fail(reqId, error);
  }
  return done;
}

/** Text stop (spec §9.3): a new ReqId, `Interrupt: true` and no `Text` key at all. */
export function stop(ctx: DriveContext): string {
  return ctx.send('SEND_TEXT', { Interrupt: true }, newReqId());
}

/**
 * Stream stop (spec §9.3): `{Text: "", Seq: last+1, IsFinal: true, Interrupt: true}` on the stream's ReqId.
 * `lastSeq` defaults to the last Seq sent by a `streamText` still running under that ReqId, which then stops
 * taking fragments.
 */
export function interruptStream(ctx: DriveContext, reqId: string, lastSeq?: number): void {
  const stream = ctx.streams.get(reqId);
  if (stream) stream.interrupted = true;
  const seq = (lastSeq ?? stream?.lastSeq ?? 0) + 1;
  ctx.send('SEND_STREAMTEXT', { Text: '', Seq: seq, IsFinal: true, Interrupt: true }, reqId);
}

/**
 * Sends each non-empty fragment as SEND_STREAMTEXT (one ReqId, Seq from 1) as the source yields it, then the
 * final `{Text: "", Seq: last+1, IsFinal: true}`, and resolves on TextOver. A source with no text sends
 * nothing and resolves at once. The fragments are pumped in the background, so an abort or a failed drive
 * settles the promise at once rather than when the source next yields; an abort, or a source that throws,
 * also interrupts the stream on the wire, so the avatar does not wait for the server's 2 s auto-final.
 */
export function streamText(
  ctx: DriveContext,
  fragments: AsyncIterable<string> | Iterable<string>,
  options: StreamTextOptions = {},
): Promise<SayResult> {
  const { signal } = options;
  if (signal?.aborted) return aborted(signal);
  const reqId = options.reqId ?? newReqId();
  const done = ctx.waiters.wait(reqId, SPEAK_STATUS.TEXT_OVER, signal);
  const stream: StreamState = { lastSeq: 0, interrupted: false };
  ctx.streams.set(reqId, stream);
  const sentence = options.sentence ? { IsSentence: true } : {};
  const stopped = () => stream.interrupted || !ctx.waiters.has(reqId);
  const interrupt = () => {
    if (stream.lastSeq > 0 && !stream.interrupted) quietly(() => interruptStream(ctx, reqId));
  };
  signal?.addEventListener('abort', interrupt, { once: true });

  const pump = async () => {
    try {
      for await (const text of fragments) {
        // Leaving the loop also closes the source (e.g. cancels an LLM request).
        if (stopped()) return;
        if (text === '') continue;
        stream.lastSeq += 1;
        ctx.send('SEND_STREAMTEXT', { Text: text, Seq: stream.lastSeq, ...sentence }, reqId);
      }
      if (stopped()) return;
      if (stream.lastSeq === 0) ctx.waiters.finish(reqId);
      else
        ctx.send('SEND_STREAMTEXT', { Text: '', Seq: stream.lastSeq + 1, IsFinal: true, ...sentence }, reqId);
    } catch (error) {
      interrupt();
      ctx.waiters.fail(reqId, error);
    } finally {
      ctx.streams.delete(reqId);
      signal?.removeEventListener('abort', interrupt);
    }
  };
  void pump();
  return done;
}

/**
 * Sends 16 kHz mono PCM as SEND_AUDIO in 160 ms chunks (Seq from 1), paced as spec §4.4 asks, then the final
 * `{Audio: "", Seq: last+1, IsFinal: true}`, and resolves on AudioOver. Audio cannot be interrupted, only
 * ended, so the final packet is sent however sending stops (an abort, a failed drive or source) to return the
 * avatar to idle at once. A source with no samples sends nothing and resolves at once.
 */
export function sendAudio(
  ctx: DriveContext,
  pcm: Int16Array | AsyncIterable<Int16Array>,
  options: SendAudioOptions = {},
): Promise<SayResult> {
  const { signal } = options;
  if (signal?.aborted) return aborted(signal);
  const reqId = options.reqId ?? newReqId();
  const done = ctx.waiters.wait(reqId, SPEAK_STATUS.AUDIO_OVER, signal);
  const pacer = new Pacer({
    ...AUDIO_PACING,
    intervalMs: options.realtime ? AUDIO_PACING.realtimeIntervalMs : AUDIO_PACING.intervalMs,
  });
  let seq = 0;
  let ended = false;
  const stopped = () => ended || !ctx.waiters.has(reqId);
  const end = () => {
    if (ended) return;
    ended = true;
    if (seq > 0) ctx.send('SEND_AUDIO', { Audio: '', Seq: seq + 1, IsFinal: true }, reqId);
  };
  const endQuietly = () => quietly(end);
  signal?.addEventListener('abort', endQuietly, { once: true });

  const pump = async () => {
    try {
      for await (const chunk of pcmChunks(pcm)) {
        if (stopped()) break;
        await pacer.slot();
        if (stopped()) break;
        seq += 1;
        ctx.send('SEND_AUDIO', { Audio: pcmToBase64(chunk), Seq: seq }, reqId);
      }
      if (seq === 0) ctx.waiters.finish(reqId);
      end();
    } catch (error) {
      endQuietly();
      ctx.waiters.fail(reqId, error);
    } finally {
      signal?.removeEventListener('abort', endQuietly);
    }
  };
  void pump();
  return done;
}
