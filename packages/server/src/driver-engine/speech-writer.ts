import type { SpeechSegment } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { THFEAT_DIM, THFEAT_INDEX_OF_BLENDSHAPE } from '@dhuman/protocol';

/** 100-ns units per ms (the unit of `Action[].start`). */
const TICKS_PER_MS = 10_000;

/** Where a writer's frames go: one ReqId's share of a driverengine socket. */
export interface SpeechFrameSink {
  /** Resolves once the socket has room for more (or is gone, or `signal` aborted). */
  drained(signal: AbortSignal): Promise<void>;
  sendFrame(reqId: string, body: Record<string, unknown>): void;
}

/** A word on the ReqId's timeline (ms from the start of its audio), as `SpeechRsp.Words` carries it. */
interface FrameWord {
  Text: string;
  StartMs: number;
  EndMs: number;
}

/**
 * An action as the vendor SDK plays it: `pos` is the action's name (an animation clip of the model), `start`
 * when it is due, in 100-ns units from the start of the ReqId's audio.
 */
interface FrameAction {
  pos: string;
  start: number;
}

interface HeldFrame {
  segment: SpeechSegment;
  /** Where its audio ends on the ReqId's timeline. */
  endMs: number;
  words: FrameWord[];
  actions: FrameAction[];
  /** The sentence (from 1) this frame's audio belongs to: `SeqNo`. */
  sentence: number;
  /** The last frame of its sentence: `ThFeatFinal`. */
  sentenceEnd: boolean;
}

/**
 * The SPEECH frames of one ReqId. `SeqNo` is the sentence number from 1 and `ThFeatFinal` marks the last
 * frame of a sentence, as the vendor SDK reads them (its `sentence` events); `Final` marks the last frame of
 * the ReqId. Only segments with audio become frames: the SDK reports an utterance finished as soon as a
 * frame without audio carries `Final`, and drops audio it had not scheduled yet, so `Final` rides on the last
 * frame with audio (an empty final frame is sent only when nothing was spoken at all). What an empty segment
 * carries (words, actions) joins a frame with audio. One frame is held back so the last can carry the flags;
 * `positionMs` is how much audio this ReqId has had (stream sentences follow each other). The TTS knows a word
 * only once the next one starts, so a word can come with a segment after the one its audio starts in: while
 * the earlier frame is still held, the word moves back to it.
 */
export class SpeechWriter {
  private sentence = 0;
  /** The next frame with audio opens a new sentence. */
  private opening = true;
  private held: HeldFrame | undefined;
  /** Words and actions of empty segments that no held frame could take. */
  private pendingWords: FrameWord[] = [];
  private pendingActions: FrameAction[] = [];
  positionMs = 0;

  constructor(
    private readonly sink: SpeechFrameSink,
    private readonly reqId: string,
    private readonly signal: AbortSignal,
  ) {}

  /** The frames pushed from now on belong to a new sentence (one with no audio gets no number). */
  beginSentence(): void {
    this.endSentence();
  }

  /** The sentence being written is complete: its last frame gets `ThFeatFinal`. */
  endSentence(): void {
    if (this.held && this.held.sentence === this.sentence) this.held.sentenceEnd = true;
    this.opening = true;
  }

  /** Adds one rendered segment whose times count from `baseMs` on the ReqId's timeline. */
  async push(segment: SpeechSegment, baseMs: number): Promise<void> {
    const endMs = baseMs + segment.startMs + (segment.pcm.length * 1000) / SESSION_SAMPLE_RATE;
    this.positionMs = Math.max(this.positionMs, endMs);
    const words = segment.words.map((w) => ({
      Text: w.text,
      StartMs: Math.round(baseMs + w.startMs),
      EndMs: Math.round(baseMs + Math.max(w.startMs, w.endMs)),
    }));
    const actions = segment.actions.map((a) => ({
      pos: a.action,
      start: Math.round((baseMs + a.timeMs) * TICKS_PER_MS),
    }));
    const previous = this.held;
    if (segment.pcm.length === 0) {
      const late = previous ? words.filter((w) => w.StartMs >= previous.endMs) : words;
      if (previous) {
        previous.words.push(...words.filter((w) => w.StartMs < previous.endMs));
        previous.actions.push(...actions);
      } else this.pendingActions.push(...actions);
      this.pendingWords.push(...late);
      return;
    }
    if (this.opening) {
      this.sentence++;
      this.opening = false;
    }
    const all = [...this.pendingWords, ...words];
    const current: HeldFrame = {
      segment,
      endMs,
      words: previous ? all.filter((w) => w.StartMs >= previous.endMs) : all,
      actions: [...this.pendingActions, ...actions],
      sentence: this.sentence,
      sentenceEnd: false,
    };
    if (previous) previous.words.push(...all.filter((w) => w.StartMs < previous.endMs));
    this.pendingWords = [];
    this.pendingActions = [];
    this.held = current;
    if (previous) await this.send(previous, false);
  }

  /** Sends the held frame as the final one, or an empty final frame when nothing was spoken. */
  async finish(): Promise<void> {
    const last = this.held;
    this.held = undefined;
    if (last) {
      last.words.push(...this.pendingWords);
      last.actions.push(...this.pendingActions);
    }
    const frame = last ?? {
      segment: undefined,
      words: this.pendingWords,
      actions: this.pendingActions,
      sentence: 1,
    };
    this.pendingWords = [];
    this.pendingActions = [];
    await this.send(frame, true);
  }

  private async send(
    frame: Pick<HeldFrame, 'words' | 'actions' | 'sentence'> & {
      segment: SpeechSegment | undefined;
      sentenceEnd?: boolean;
    },
    final: boolean,
  ): Promise<void> {
    await this.sink.drained(this.signal);
    if (this.signal.aborted) return;
    const pcm = frame.segment?.pcm ?? new Int16Array(0);
    this.sink.sendFrame(this.reqId, {
      DriverRspType: 'SPEECH',
      SpeechRsp: {
        Audio: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64'),
        ThFeat: toThFeat(frame.segment?.blendshapes ?? []),
        ThDim: THFEAT_DIM,
        ThFeatFinal: final || frame.sentenceEnd === true,
        Action: frame.actions,
        // dhuman extension (ignored by the vendor SDK): words starting in this frame's audio, for subtitles.
        Words: frame.words,
        Final: final,
        SeqNo: frame.sentence,
      },
    });
  }
}

/** Blendshape frames as flat `ThFeat`: each internal channel at its vendor index, 0 elsewhere, 3 decimals. */
export function toThFeat(frames: SpeechSegment['blendshapes']): number[] {
  const thFeat = new Array<number>(frames.length * THFEAT_DIM).fill(0);
  frames.forEach((frame, f) => {
    frame.weights.forEach((weight, c) => {
      const index = THFEAT_INDEX_OF_BLENDSHAPE[c];
      if (index !== undefined && index >= 0)
        thFeat[f * THFEAT_DIM + index] = Math.round(weight * 1000) / 1000;
    });
  });
  return thFeat;
}
