import type { AsrResult, AsrStream, DriveEvent } from '@dhuman/core';
import { ASR_SAMPLE_RATE, newHexId } from '@dhuman/core';
import { ERRORS, EVENT_TYPE, IvhError, VOICE_ACTIVITY, type VoiceActivity } from '@dhuman/protocol';

/** What the voice input needs from voice activity detection (the speech package's detector). */
export interface VoiceActivityDetection {
  push(pcm: Int16Array): { type: 'start' | 'end'; atMs: number }[];
}

/** What the voice input needs from the session. */
export interface VoiceSession {
  /** Stops what the avatar says unless it may not be cut; returns whether anything stopped. */
  bargeIn(): boolean;
  /** Whether what plays asks for the microphone to be closed (Type 4 `Muted`). */
  readonly microphoneMuted: boolean;
  /** The visitor's question, from a final transcript. */
  ask(question: { reqId: string; text: string; roundId: string }): void;
  publish(event: DriveEvent): void;
}

/** Audio kept from before the detector's onset, so the recogniser hears the first syllable whole. */
const PRE_ROLL_MS = 300;
const PRE_ROLL_SAMPLES = (ASR_SAMPLE_RATE * PRE_ROLL_MS) / 1000;

interface Utterance {
  n: number;
  reqId: string;
  startedAtMs: number;
}

/**
 * One visitor's microphone on a session (the voice channel). Voice activity detection finds where speech starts
 * and ends; at the start the avatar stops talking (barge-in) unless its sentence is `Uninterrupt`, and the
 * utterance goes to the recogniser; its transcripts come back as Type 11 events and the final one becomes a
 * question. While the avatar plays a `Muted` clause the microphone counts as silent.
 */
export class VoiceInput {
  readonly #session: VoiceSession;
  readonly #vad: VoiceActivityDetection;
  readonly #asr: AsrStream;
  readonly #preRoll: Int16Array[] = [];
  #preRollSamples = 0;
  #current: Utterance | undefined;
  /** Utterances by the recogniser's number, until their final result. */
  readonly #pending = new Map<number, Utterance>();
  #closed = false;

  constructor(session: VoiceSession, vad: VoiceActivityDetection, asr: AsrStream) {
    this.#session = session;
    this.#vad = vad;
    this.#asr = asr;
  }

  /** 16 kHz mono s16le from the visitor. */
  push(pcm: Int16Array): void {
    if (this.#closed || pcm.length === 0) return;
    const heard = this.#session.microphoneMuted ? new Int16Array(pcm.length) : pcm;
    const events = this.#vad.push(heard);
    let wrote = false;
    for (const event of events) {
      if (event.type === 'start' && !this.#current) {
        this.#begin(event.atMs);
        wrote = true;
        for (const chunk of this.#preRoll) this.#asr.write(chunk);
        this.#asr.write(heard);
      } else if (event.type === 'end' && this.#current) {
        if (!wrote) this.#asr.write(heard);
        wrote = true;
        this.#end(event.atMs);
      }
    }
    if (this.#current && !wrote) this.#asr.write(heard);
    this.#keepPreRoll(heard);
  }

  /** Results from the recogniser (wired by whoever opened the stream). */
  onResult(result: AsrResult): void {
    const utterance = this.#pending.get(result.utterance);
    if (!utterance || this.#closed) return;
    const text = result.text.trim();
    this.#session.publish({
      Type: EVENT_TYPE.TRANSCRIPT,
      ReqId: utterance.reqId,
      Seq: utterance.n,
      Text: text,
      Final: result.final,
      AtMs: utterance.startedAtMs,
    });
    if (!result.final) return;
    this.#pending.delete(result.utterance);
    if (text) this.#session.ask({ reqId: utterance.reqId, text, roundId: '' });
  }

  /** The recogniser failed: reported once, and the input stops. */
  onError(error: Error): void {
    if (this.#closed) return;
    const ivh = new IvhError(ERRORS.SPEECH_RECOGNITION_FAILED, error.message);
    this.#session.publish({
      Type: EVENT_TYPE.DRIVE_ERROR,
      ReqId: this.#current?.reqId ?? '',
      Seq: 0,
      ErrorCode: ivh.code,
      ErrorMessage: ivh.message,
      ErrorMsg: ivh.message,
    });
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#asr.close();
    this.#pending.clear();
  }

  #begin(atMs: number): void {
    const n = this.#asr.begin();
    const utterance = { n, reqId: newHexId(), startedAtMs: atMs };
    this.#current = utterance;
    this.#pending.set(n, utterance);
    // Barge-in first: the visitor hears the avatar stop as soon as possible.
    this.#session.bargeIn();
    this.#activity(utterance, VOICE_ACTIVITY.SPEECH_START, atMs);
  }

  #end(atMs: number): void {
    const utterance = this.#current;
    if (!utterance) return;
    this.#current = undefined;
    this.#asr.end();
    this.#activity(utterance, VOICE_ACTIVITY.SPEECH_END, atMs);
  }

  #activity(utterance: Utterance, activity: VoiceActivity, atMs: number): void {
    this.#session.publish({
      Type: EVENT_TYPE.VOICE_ACTIVITY,
      ReqId: utterance.reqId,
      Seq: utterance.n,
      VoiceActivity: activity,
      AtMs: Math.round(atMs),
    });
  }

  #keepPreRoll(pcm: Int16Array): void {
    this.#preRoll.push(pcm);
    this.#preRollSamples += pcm.length;
    while (this.#preRoll.length > 1 && this.#preRollSamples - this.#preRoll[0]!.length >= PRE_ROLL_SAMPLES) {
      this.#preRollSamples -= this.#preRoll.shift()!.length;
    }
  }
}
