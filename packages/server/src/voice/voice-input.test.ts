import type { AsrStream, DriveEvent } from '@dhuman/core';
import { describe, expect, it } from 'vitest';
import { VoiceInput, type VoiceActivityDetection, type VoiceSession } from './voice-input.js';

// Scripted detector and recogniser (the real ones have their own tests; the voice round-trip integration test
// runs them together): the detector says "speech" for chunks whose first sample is non-zero.
function detector(): VoiceActivityDetection & { heard: Int16Array[] } {
  let speaking = false;
  let at = 0;
  const heard: Int16Array[] = [];
  return {
    heard,
    push(pcm) {
      heard.push(pcm);
      const loud = pcm[0] !== 0;
      const events: { type: 'start' | 'end'; atMs: number }[] = [];
      if (loud && !speaking) events.push({ type: 'start', atMs: at });
      if (!loud && speaking) events.push({ type: 'end', atMs: at });
      speaking = loud;
      at += pcm.length / 16;
      return events;
    },
  };
}

function recogniser(): AsrStream & { log: string[]; written: number } {
  let n = 0;
  const stream = {
    log: [] as string[],
    written: 0,
    begin: () => {
      stream.log.push(`begin ${++n}`);
      return n;
    },
    write: (pcm: Int16Array) => {
      stream.written += pcm.length;
    },
    end: () => stream.log.push('end'),
    close: () => stream.log.push('close'),
  };
  return stream;
}

function session(
  muted = false,
): VoiceSession & { events: DriveEvent[]; questions: string[]; bargeIns: number } {
  const s = {
    events: [] as DriveEvent[],
    questions: [] as string[],
    bargeIns: 0,
    microphoneMuted: muted,
    bargeIn: () => {
      s.bargeIns++;
      return true;
    },
    ask: (q: { reqId: string; text: string }) => s.questions.push(`${q.reqId}:${q.text}`),
    publish: (event: DriveEvent) => s.events.push(event),
  };
  return s;
}

const chunk = (value: number, ms = 20) => new Int16Array(ms * 16).fill(value);

describe('VoiceInput', () => {
  it('barges in at speech onset, sends the utterance with its pre-roll, and asks the final transcript', () => {
    const s = session();
    const asr = recogniser();
    const input = new VoiceInput(s, detector(), asr);
    for (let i = 0; i < 25; i++) input.push(chunk(0)); // 500 ms of silence: 300 ms of it is pre-roll
    input.push(chunk(1000));
    expect(s.bargeIns).toBe(1);
    expect(asr.log).toEqual(['begin 1']);
    expect(asr.written).toBe(320 * 16); // 300 ms pre-roll + the 20 ms chunk
    input.push(chunk(1000));
    input.push(chunk(0));
    expect(asr.log).toEqual(['begin 1', 'end']);
    const [start, end] = s.events;
    expect(start).toMatchObject({ Type: 12, Seq: 1, VoiceActivity: 'SpeechStart', AtMs: 500 });
    expect(end).toMatchObject({
      Type: 12,
      Seq: 1,
      VoiceActivity: 'SpeechEnd',
      AtMs: 540,
      ReqId: start!.ReqId,
    });

    input.onResult({ utterance: 1, text: 'what can', final: false });
    input.onResult({ utterance: 1, text: 'what can you do', final: true });
    expect(s.events.slice(2)).toEqual([
      { Type: 11, ReqId: start!.ReqId, Seq: 1, Text: 'what can', Final: false, AtMs: 500 },
      { Type: 11, ReqId: start!.ReqId, Seq: 1, Text: 'what can you do', Final: true, AtMs: 500 },
    ]);
    expect(s.questions).toEqual([`${start!.ReqId}:what can you do`]);
    // A late result for a finished utterance is ignored.
    input.onResult({ utterance: 1, text: 'again', final: true });
    expect(s.questions).toHaveLength(1);
  });

  it('an empty final transcript asks nothing; a new utterance gets a new ReqId', () => {
    const s = session();
    const input = new VoiceInput(s, detector(), recogniser());
    input.push(chunk(1000));
    input.push(chunk(0));
    input.onResult({ utterance: 1, text: '  ', final: true });
    input.push(chunk(1000));
    expect(s.questions).toEqual([]);
    const starts = s.events.filter((e) => e.VoiceActivity === 'SpeechStart');
    expect(starts.map((e) => e.Seq)).toEqual([1, 2]);
    expect(starts[0]!.ReqId).not.toBe(starts[1]!.ReqId);
  });

  it('hears silence while the avatar plays a Muted clause', () => {
    const s = session(true);
    const vad = detector();
    const asr = recogniser();
    const input = new VoiceInput(s, vad, asr);
    input.push(chunk(1000));
    expect(vad.heard[0]!.every((v) => v === 0)).toBe(true);
    expect(s.bargeIns).toBe(0);
    expect(asr.log).toEqual([]);
  });

  it('reports a recogniser failure once as -112003 and stops', () => {
    const s = session();
    const asr = recogniser();
    const input = new VoiceInput(s, detector(), asr);
    input.onError(new Error('pocketsphinx exited with code 1'));
    input.onError(new Error('again'));
    expect(s.events).toEqual([
      expect.objectContaining({
        Type: 9,
        ErrorCode: -112003,
        ErrorMsg: expect.stringMatching(/exited with code 1/),
      }),
    ]);
    expect(asr.log).toEqual(['close']);
    input.push(chunk(1000));
    expect(s.bargeIns).toBe(0);
  });
});
