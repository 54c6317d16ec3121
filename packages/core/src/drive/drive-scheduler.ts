import {
  ERRORS,
  EVENT_TYPE,
  IvhError,
  SPEAK_STATUS,
  type SendAudioData,
  type SendStreamTextData,
  type SendTextData,
  type SpeakStatus,
} from '@dhuman/protocol';
import { newHexId } from '../ids.js';
import type { MediaClock } from '../media/media-clock.js';
import type { MediaFrame } from '../media/media-frames.js';
import { SessionPlayout, type PlayCue, type PlaySegment } from '../media/playout.js';
import { SESSION_SAMPLE_RATE } from '../speech/types.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { DriveEvent } from './drive-events.js';
import { SeqReorderer } from './seq-reorderer.js';
import type { AudioInput, SentenceSplitter, SpeechServices, VoiceSettings } from './speech-services.js';

export interface DriveSchedulerOptions {
  driverType: 1 | 3;
  /** Silence after which a non-sentence stream or an audio utterance is finalised by the server (§4.4). */
  streamMaxIntervalMs: number;
  voice: VoiceSettings;
  speech: SpeechServices;
  clock: MediaClock;
  /** Clock ms that is pts 0 of this session's media. */
  originMs: number;
  publish: (frame: MediaFrame) => void;
  emit: (event: DriveEvent) => void;
  /** Uplink audio may run this far ahead of playout before chunks are refused. */
  maxAudioAheadMs?: number;
  /**
   * Present when the session's project has a dialogue engine: a SEND_TEXT without `ChatCommand: NotUseChat` is
   * then a question, handed here instead of being spoken (spec §4.4). The handler answers through `openAnswer`.
   */
  onQuestion?: (question: Question) => void;
}

/** A visitor's question (SEND_TEXT or a final voice transcript) for the dialogue layer. */
export interface Question {
  reqId: string;
  text: string;
  /** The conversation it belongs to (`ChatRoundId`); '' when the client sent none. */
  roundId: string;
}

/** How one clause of an answer may be played (Type 4 `Uninterrupt`, `Muted`). */
export interface ClauseDelivery {
  uninterruptible?: boolean;
  muted?: boolean;
}

/** An answer being spoken: clauses arrive as the dialogue engine produces them. */
export interface AnswerHandle {
  /** Aborted when the answer is replaced, interrupted or the session closes: stop producing it. */
  readonly signal: AbortSignal;
  /** Queues one clause (plain text or SSML) to be spoken after the ones before it; returns its number from 1. */
  say(text: string, delivery?: ClauseDelivery): number;
  /** No more clauses; the answer ends (TextOver) once the queued ones have played. */
  end(): void;
}

type JobKind = 'text' | 'stream' | 'audio' | 'answer';

interface Job {
  kind: JobKind;
  reqId: string;
  utteranceId: string;
  controller: AbortController;
  receivedAt: number;
  firstChunkAt: number | undefined;
  failed: boolean;
  finalType: 1 | 2;
  uninterruptible: boolean;
  /** Streams and audio: fragments in order, finalisation, the server's auto-final timer. */
  /** Answers: the delivery of the clause playing now (barge-in and the microphone follow it). */
  playing?: ClauseDelivery;
  reorder?: SeqReorderer<Fragment>;
  finalTimer?: NodeJS.Timeout;
  finalized?: boolean;
  clauses?: AsyncQueue<Clause>;
  splitter?: SentenceSplitter;
  sentenceMode?: boolean;
  /** Sentence mode: resolves when the clause being played has finished, to release the next one. */
  clausePlayed?: () => void;
  audio?: { input: AudioInput; segments: AsyncQueue<PlaySegment>; queuedMs: number };
}

/** One numbered piece of a stream: text for SEND_STREAMTEXT, decoded PCM for SEND_AUDIO. */
interface Fragment {
  seq: number;
  isFinal: boolean;
  text?: string;
  insert?: boolean;
  pcm?: Int16Array;
}

interface Clause extends ClauseDelivery {
  text: string;
  seq: number;
}

/** ReqIds remembered after they finish, to tell "late audio for a finished ReqId" from a new one. */
const FINISHED_MEMORY = 256;
const AUDIO_PREBUFFER_MS = 160;
const GAP_WAIT_MS = 500;

function errorEvent(reqId: string, error: IvhError, terminal: boolean): DriveEvent {
  return {
    Type: EVENT_TYPE.DRIVE_ERROR,
    ReqId: reqId,
    Seq: 0,
    ...(terminal && { SpeakStatus: SPEAK_STATUS.ERROR }),
    ErrorCode: error.code,
    ErrorMessage: error.message,
    ErrorMsg: error.message,
  };
}

/**
 * The drive semantics of one session (spec §4.4, §4.5, §9.3): text, streaming text and uplink audio become
 * utterances on the session's playout; a new utterance replaces the one playing; interrupts stop it; speak
 * status events follow what is actually played (TextStart when the first sample plays, TextOver after the
 * last one or when the interrupt took effect). Input errors are reported as events on the command's ReqId
 * and never disturb the session.
 */
export class DriveScheduler {
  private readonly opts: DriveSchedulerOptions;
  private readonly playout: SessionPlayout;
  private readonly jobs = new Map<string, Job>();
  private readonly byUtterance = new Map<string, Job>();
  private readonly finished = new Set<string>();
  private closed = false;

  constructor(options: DriveSchedulerOptions) {
    this.opts = options;
    this.playout = new SessionPlayout({
      clock: options.clock,
      originMs: options.originMs,
      publish: options.publish,
      hooks: {
        started: (id) => this.onStarted(id),
        ended: (id, _pts, interrupted) => this.onEnded(id, interrupted),
        cue: (id, cue) => this.onCue(id, cue),
        failed: (id, error) => this.onFailed(id, error),
      },
    });
  }

  /** Whether anything is playing or waiting to play. */
  get busy(): boolean {
    return this.playout.busy;
  }

  sendText(reqId: string, data: SendTextData, options: { uninterruptible?: boolean } = {}): void {
    this.assertOpen();
    const text = data.Text ?? '';
    if (text.trim() === '') {
      // The vendor SDK's stop: no Text key, Interrupt true. With nothing playing it is a no-op (§9.3).
      if (data.Interrupt) this.stopAll(true);
      else
        this.opts.emit(errorEvent(reqId, new IvhError(ERRORS.INVALID_PARAMETER, 'Data.Text is empty'), true));
      return;
    }
    if (this.opts.onQuestion && data.ChatCommand !== 'NotUseChat') {
      if (data.Interrupt) this.stopAll(true);
      this.opts.onQuestion({ reqId, text, roundId: data.ChatRoundId ?? '' });
      return;
    }
    this.opts.emit({ Type: EVENT_TYPE.INPUT_ECHO, ReqId: reqId, Seq: 0, Text: text });
    const job = this.newJob('text', reqId, options.uninterruptible ?? false);
    let segments: AsyncIterable<PlaySegment>;
    try {
      segments = this.opts.speech.render(text, this.opts.voice, job.controller.signal);
    } catch (error) {
      this.opts.emit(errorEvent(reqId, asIvhError(error), true));
      return;
    }
    this.start(job, this.timed(job, segments), 0, data.Interrupt === true);
  }

  sendStreamText(reqId: string, data: SendStreamTextData): void {
    this.assertOpen();
    const existing = this.jobs.get(reqId);
    if (!existing) {
      if (data.Interrupt && !data.Text) return; // stop for a stream that is not playing: harmless (§9.3)
      if (this.finished.has(reqId)) {
        this.reportLate(reqId, 'SEND_STREAMTEXT');
        return;
      }
      const job = this.newJob('stream', reqId, false);
      job.reorder = new SeqReorderer();
      job.clauses = new AsyncQueue<Clause>();
      job.sentenceMode = data.IsSentence === true;
      if (!job.sentenceMode) job.splitter = this.opts.speech.createSplitter();
      this.start(job, this.clauseSegments(job), 0, data.Interrupt === true);
      this.acceptFragment(job, textFragment(data));
      return;
    }
    if (existing.kind !== 'stream') {
      this.opts.emit(
        errorEvent(
          reqId,
          new IvhError(ERRORS.DRIVE_WRONG_MOMENT, `ReqId ${reqId} is not a text stream`),
          false,
        ),
      );
      return;
    }
    if (data.Interrupt && !data.Text) {
      existing.controller.abort();
      return;
    }
    this.acceptFragment(existing, textFragment(data));
  }

  sendAudio(reqId: string, data: SendAudioData): void {
    this.assertOpen();
    if (this.opts.driverType !== 3) {
      this.opts.emit(
        errorEvent(
          reqId,
          new IvhError(ERRORS.DRIVE_WRONG_MOMENT, 'SEND_AUDIO needs a session created with DriverType 3'),
          true,
        ),
      );
      return;
    }
    let pcm: Int16Array;
    try {
      pcm = data.Audio ? this.opts.speech.decodeAudio(data.Audio) : new Int16Array(0);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.opts.emit(
        errorEvent(reqId, new IvhError(ERRORS.INVALID_PARAMETER, `Data.Audio: ${message}`), false),
      );
      return;
    }
    let job = this.jobs.get(reqId);
    if (!job) {
      if (this.finished.has(reqId)) {
        this.reportLate(reqId, 'SEND_AUDIO');
        return;
      }
      job = this.newJob('audio', reqId, false);
      job.reorder = new SeqReorderer();
      job.audio = {
        input: this.opts.speech.createAudioInput(this.opts.voice.volume),
        segments: new AsyncQueue<PlaySegment>(),
        queuedMs: 0,
      };
      this.start(job, this.timed(job, job.audio.segments), AUDIO_PREBUFFER_MS, true);
    } else if (job.kind !== 'audio') {
      this.opts.emit(
        errorEvent(
          reqId,
          new IvhError(ERRORS.DRIVE_WRONG_MOMENT, `ReqId ${reqId} is not an audio stream`),
          false,
        ),
      );
      return;
    }
    const aheadMs = job.audio ? job.audio.queuedMs - this.playedMs(job) : 0;
    const limit = this.opts.maxAudioAheadMs ?? 30_000;
    if (aheadMs + pcm.length / 16 > limit) {
      this.opts.emit(
        errorEvent(
          reqId,
          new IvhError(
            ERRORS.TOO_FREQUENT,
            `audio is more than ${limit / 1000} s ahead of playback; chunk Seq ${data.Seq} dropped`,
          ),
          false,
        ),
      );
      return;
    }
    this.acceptFragment(job, { seq: data.Seq, isFinal: data.IsFinal === true, pcm });
  }

  /** Stops whatever plays or waits, as an empty SEND_TEXT with Interrupt does. */
  interrupt(): void {
    this.stopAll(true);
  }

  /**
   * The visitor started speaking (voice channel): stops what plays unless it may not be cut (`Uninterrupt`).
   * Returns whether anything was stopped.
   */
  bargeIn(): boolean {
    const live = [...this.byUtterance.values()].filter((job) => !job.controller.signal.aborted);
    this.stopAll(false);
    return live.some((job) => job.controller.signal.aborted);
  }

  /** Whether what plays now asks the visitor's microphone to stay closed (Type 4 `Muted`). */
  get microphoneMuted(): boolean {
    const id = this.playout.currentUtteranceId;
    const job = id === undefined ? undefined : this.byUtterance.get(id);
    return job?.playing?.muted === true;
  }

  /**
   * Starts speaking the answer to a question: echoes the question (Type 1), replaces what plays (unless it may
   * not be cut), and returns the handle the dialogue layer feeds clauses into. Speak status events follow the
   * answer as for a text stream: TextStart with its first sample, TextOver after its last clause.
   */
  openAnswer(question: Question): AnswerHandle {
    this.assertOpen();
    const { reqId } = question;
    this.opts.emit({ Type: EVENT_TYPE.INPUT_ECHO, ReqId: reqId, Seq: 0, Text: question.text });
    const job = this.newJob('answer', reqId, false);
    const clauses = new AsyncQueue<Clause>();
    job.clauses = clauses;
    this.start(job, this.clauseSegments(job), 0, false);
    let seq = 0;
    return {
      signal: job.controller.signal,
      say: (text, delivery = {}) => {
        seq += 1;
        if (!job.controller.signal.aborted && !clauses.isEnded) clauses.push({ text, seq, ...delivery });
        return seq;
      },
      end: () => {
        job.finalized = true;
        clauses.end();
      },
    };
  }

  // --- jobs ---

  private newJob(kind: JobKind, reqId: string, uninterruptible: boolean): Job {
    const job: Job = {
      kind,
      reqId,
      utteranceId: newHexId(),
      controller: new AbortController(),
      receivedAt: performance.now(),
      firstChunkAt: undefined,
      failed: false,
      finalType: 1,
      uninterruptible,
    };
    this.jobs.set(reqId, job);
    this.byUtterance.set(job.utteranceId, job);
    return job;
  }

  /** Replaces what plays (unless it may not be cut and `force` is false), then queues the job. */
  private start(job: Job, segments: AsyncIterable<PlaySegment>, prebufferMs: number, force: boolean): void {
    this.stopAll(force, job);
    this.status(
      job,
      job.kind === 'audio' ? SPEAK_STATUS.WAITING_AUDIO_START : SPEAK_STATUS.WAITING_TEXT_START,
    );
    this.playout.enqueue({
      id: job.utteranceId,
      reqId: job.reqId,
      signal: job.controller.signal,
      segments,
      prebufferMs,
    });
  }

  private stopAll(force: boolean, except?: Job): void {
    for (const job of [...this.byUtterance.values()]) {
      if (job === except) continue;
      if (!force && (job.uninterruptible || job.playing?.uninterruptible)) continue;
      job.controller.abort();
    }
  }

  /** Records when the first audio of a job was ready, for the Timings field. */
  private async *timed(job: Job, segments: AsyncIterable<PlaySegment>): AsyncIterable<PlaySegment> {
    for await (const segment of segments) {
      job.firstChunkAt ??= performance.now();
      yield segment;
    }
  }

  // --- streaming text ---

  private acceptFragment(job: Job, data: Fragment): void {
    const reorder = job.reorder;
    if (!reorder || job.finalized) {
      if (job.finalized) this.reportLate(job.reqId, job.kind === 'audio' ? 'SEND_AUDIO' : 'SEND_STREAMTEXT');
      return;
    }
    const outcome = reorder.accept(data.seq, data);
    if (outcome.kind === 'duplicate') return;
    if (outcome.kind === 'too-far') {
      const message = `Seq ${data.seq} is too far ahead; expected ${outcome.expected}`;
      this.opts.emit(errorEvent(job.reqId, new IvhError(ERRORS.INVALID_PARAMETER, message), false));
      return;
    }
    for (const item of outcome.items) this.apply(job, item);
    if (reorder.hasGap) {
      // Wait briefly for the missing fragment, then go on without it and say so.
      this.armFinalTimer(job, GAP_WAIT_MS, () => this.skipGap(job));
    } else if (!job.finalized) {
      this.armAutoFinal(job);
    }
  }

  private skipGap(job: Job): void {
    const skipped = job.reorder?.skipGap();
    if (!skipped) return;
    const [from, to] = skipped.missing;
    const which = from === to ? `Seq ${from} is` : `Seq ${from}-${to} are`;
    this.opts.emit(
      errorEvent(
        job.reqId,
        new IvhError(ERRORS.INVALID_PARAMETER, `${which} missing; continuing without`),
        false,
      ),
    );
    for (const item of skipped.items) this.apply(job, item);
    if (job.reorder?.hasGap) this.armFinalTimer(job, GAP_WAIT_MS, () => this.skipGap(job));
    else if (!job.finalized) this.armAutoFinal(job);
  }

  /** Auto-final after StreamMaxInterval of silence: non-sentence streams and audio only (§4.4). */
  private armAutoFinal(job: Job): void {
    if (job.kind === 'stream' && job.sentenceMode) {
      if (job.finalTimer) clearTimeout(job.finalTimer);
      return;
    }
    this.armFinalTimer(job, this.opts.streamMaxIntervalMs, () => {
      job.finalType = 2;
      this.finalize(job);
    });
  }

  private armFinalTimer(job: Job, ms: number, fire: () => void): void {
    if (job.finalTimer) clearTimeout(job.finalTimer);
    job.finalTimer = setTimeout(fire, ms);
    job.finalTimer.unref();
  }

  private apply(job: Job, fragment: Fragment): void {
    if (job.audio && fragment.pcm && fragment.pcm.length > 0) {
      const segment = job.audio.input.push(fragment.pcm);
      job.audio.queuedMs += segment.pcm.length / (SESSION_SAMPLE_RATE / 1000);
      job.audio.segments.push(segment);
    }
    const text = fragment.text ?? '';
    if (text) {
      this.opts.emit({ Type: EVENT_TYPE.INPUT_ECHO, ReqId: job.reqId, Seq: fragment.seq, Text: text });
      if (job.sentenceMode) {
        const clause = { text, seq: fragment.seq };
        if (fragment.insert) job.clauses?.pushFront(clause);
        else job.clauses?.push(clause);
      } else {
        for (const sentence of job.splitter?.push(text) ?? [])
          job.clauses?.push({ text: sentence, seq: fragment.seq });
      }
    }
    if (fragment.isFinal) this.finalize(job);
  }

  private finalize(job: Job): void {
    if (job.finalized) return;
    job.finalized = true;
    if (job.finalTimer) clearTimeout(job.finalTimer);
    if (job.audio) {
      const last = job.audio.input.end();
      if (last) job.audio.segments.push(last);
      job.audio.segments.end();
      return;
    }
    for (const sentence of job.splitter?.flush() ?? []) job.clauses?.push({ text: sentence, seq: 0 });
    job.clauses?.end();
  }

  /** Renders the stream's clauses one after another; empty segments carry the clause boundary cues. */
  private async *clauseSegments(job: Job): AsyncIterable<PlaySegment> {
    const clauses = job.clauses;
    if (!clauses) return;
    for await (const clause of clauses) {
      let segments: AsyncIterable<PlaySegment>;
      try {
        segments = this.opts.speech.render(clause.text, this.opts.voice, job.controller.signal);
      } catch (error) {
        this.opts.emit(errorEvent(job.reqId, asIvhError(error), false));
        continue;
      }
      yield cueSegment({ offsetMs: 0, name: 'clause-start', data: clause.seq });
      if (job.kind === 'answer') {
        // The delivery applies from when the clause starts playing: a barge-in during an earlier clause of the
        // same answer still stops it.
        const delivery = { uninterruptible: clause.uninterruptible, muted: clause.muted };
        yield cueSegment({ offsetMs: 0, name: 'delivery', data: delivery });
      }
      for await (const segment of segments) {
        job.firstChunkAt ??= performance.now();
        yield segment;
      }
      if (job.sentenceMode) {
        // Take the next clause only once this one has played, so a cut-in (IsInsertSentence) sent while it
        // plays goes right after it (A1, A2, X, A3), at the cost of one render latency between clauses.
        const played = new Promise<void>((resolve) => (job.clausePlayed = resolve));
        yield cueSegment({ offsetMs: 0, name: 'clause-end', data: clause.seq });
        await Promise.race([played, aborted(job.controller.signal)]);
      } else {
        yield cueSegment({ offsetMs: 0, name: 'clause-end', data: clause.seq });
      }
    }
  }

  // --- playout hooks ---

  private onStarted(utteranceId: string): void {
    const job = this.byUtterance.get(utteranceId);
    if (!job) return;
    const now = performance.now();
    const timings = {
      ReceivedAt: Math.round(performance.timeOrigin + job.receivedAt),
      ...(job.firstChunkAt !== undefined && { FirstChunkMs: round(job.firstChunkAt - job.receivedAt) }),
      FirstSampleMs: round(now - job.receivedAt),
    };
    const audio = job.kind === 'audio';
    this.status(job, audio ? SPEAK_STATUS.AUDIO_START : SPEAK_STATUS.TEXT_START, { Timings: timings });
    this.status(job, audio ? SPEAK_STATUS.WAITING_AUDIO_OVER : SPEAK_STATUS.WAITING_TEXT_OVER);
  }

  private onCue(utteranceId: string, cue: PlayCue): void {
    const job = this.byUtterance.get(utteranceId);
    if (job && cue.name === 'delivery') {
      job.playing = cue.data as ClauseDelivery;
      return;
    }
    if (!job?.sentenceMode) return;
    const seq = typeof cue.data === 'number' ? cue.data : 0;
    if (cue.name === 'clause-start') {
      this.status(job, SPEAK_STATUS.SENTENCE_START, { Seq: seq });
      // The next clause may be sent now; it will be rendered while this one plays.
      this.status(job, SPEAK_STATUS.SENTENCE_NEXT, { Seq: seq });
    } else if (cue.name === 'clause-end') {
      this.status(job, SPEAK_STATUS.SENTENCE_OVER, { Seq: seq });
      job.clausePlayed?.();
    }
  }

  private onFailed(utteranceId: string, error: unknown): void {
    const job = this.byUtterance.get(utteranceId);
    if (!job) return;
    job.failed = true;
    const detail = error instanceof Error ? error.message : String(error);
    this.opts.emit(
      errorEvent(
        job.reqId,
        error instanceof IvhError ? error : new IvhError(ERRORS.DRIVE_FAILED, detail),
        true,
      ),
    );
  }

  private onEnded(utteranceId: string, interrupted: boolean): void {
    const job = this.byUtterance.get(utteranceId);
    if (!job) return;
    this.byUtterance.delete(utteranceId);
    if (this.jobs.get(job.reqId) === job) this.jobs.delete(job.reqId);
    if (job.finalTimer) clearTimeout(job.finalTimer);
    job.finalized = true;
    job.clauses?.end();
    job.audio?.segments.end();
    if (!interrupted) job.controller.abort(); // release anything still rendering
    this.remember(job.reqId);
    if (job.failed) return;
    if (job.kind === 'audio') this.status(job, SPEAK_STATUS.AUDIO_OVER, { FinalType: job.finalType });
    else this.status(job, SPEAK_STATUS.TEXT_OVER);
  }

  // --- helpers ---

  private status(job: Job, status: SpeakStatus, extra: Partial<DriveEvent> = {}): void {
    this.opts.emit({
      Type: EVENT_TYPE.SPEAK_STATUS,
      ReqId: job.reqId,
      Seq: 0,
      SpeakStatus: status,
      ...extra,
    });
  }

  private reportLate(reqId: string, command: string): void {
    const error = new IvhError(
      ERRORS.DRIVE_WRONG_MOMENT,
      `${command} for ReqId ${reqId}, which already finished`,
    );
    this.opts.emit(errorEvent(reqId, error, false));
  }

  private remember(reqId: string): void {
    this.finished.add(reqId);
    if (this.finished.size > FINISHED_MEMORY) {
      const oldest = this.finished.values().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }

  private playedMs(job: Job): number {
    return this.playout.currentUtteranceId === job.utteranceId ? this.playout.playedMs : 0;
  }

  private assertOpen(): void {
    if (this.closed) throw new IvhError(ERRORS.SESSION_CLOSED, 'the session is closed');
  }

  /** Interrupts everything and releases the playout. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopAll(true);
    this.playout.close();
  }
}

function textFragment(data: SendStreamTextData): Fragment {
  return {
    seq: data.Seq,
    isFinal: data.IsFinal === true,
    ...(data.Text !== undefined && { text: data.Text }),
    ...(data.IsInsertSentence !== undefined && { insert: data.IsInsertSentence }),
  };
}

function cueSegment(cue: PlayCue): PlaySegment {
  return {
    startMs: 0,
    pcm: new Int16Array(0),
    visemes: [],
    blendshapes: [],
    words: [],
    actions: [],
    cues: [cue],
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function asIvhError(error: unknown): IvhError {
  if (error instanceof IvhError) return error;
  return new IvhError(ERRORS.INVALID_PARAMETER, error instanceof Error ? error.message : String(error));
}
