import { describe, expect, it } from 'vitest';
import type { SpeechSegment } from '@dhuman/core';
import { BLENDSHAPE_NAMES, THFEAT_CHANNELS } from '@dhuman/protocol';
import { SpeechWriter, toThFeat, type SpeechFrameSink } from './speech-writer.js';

// The SPEECH frames as the vendor SDK reads them: an empty final frame made it report the utterance finished
// at once and drop audio not yet scheduled; SeqNo is a sentence number, ThFeatFinal a sentence end.

interface SentRsp {
  Audio: string;
  ThFeat: number[];
  ThDim: number;
  ThFeatFinal: boolean;
  Action: Array<{ pos: string; start: number }>;
  Words: Array<{ Text: string; StartMs: number; EndMs: number }>;
  Final: boolean;
  SeqNo: number;
}

function sink(): SpeechFrameSink & { sent: SentRsp[] } {
  const sent: SentRsp[] = [];
  return {
    sent,
    drained: () => Promise.resolve(),
    sendFrame: (_reqId, body) => sent.push(body.SpeechRsp as SentRsp),
  };
}

/** A segment of `ms` of audio at 24 kHz starting at `startMs`, with one blendshape frame per 40 ms. */
function segment(startMs: number, ms: number, extra: Partial<SpeechSegment> = {}): SpeechSegment {
  const frames = Math.round(ms / 40);
  return {
    startMs,
    pcm: new Int16Array(ms * 24).fill(100),
    visemes: [],
    blendshapes: Array.from({ length: frames }, (_, i) => ({
      timeMs: startMs + i * 40,
      weights: new Float32Array(BLENDSHAPE_NAMES.length).fill(0.5),
    })),
    words: [],
    actions: [],
    ...extra,
  };
}

/** The empty segment the renderer ends an utterance with: what is still due, and no audio. */
function tail(startMs: number, extra: Partial<SpeechSegment>): SpeechSegment {
  return { startMs, pcm: new Int16Array(0), visemes: [], blendshapes: [], words: [], actions: [], ...extra };
}

const word = (text: string, startMs: number) => ({ text, startMs, endMs: startMs + 100, textOffset: 0 });

describe('SpeechWriter', () => {
  it('puts Final on the last frame with audio; an empty last segment joins it', async () => {
    const out = sink();
    const writer = new SpeechWriter(out, 'r1', new AbortController().signal);
    writer.beginSentence();
    await writer.push(segment(0, 200, { words: [word('Hello', 0)] }), 0);
    await writer.push(segment(200, 200), 0);
    await writer.push(
      tail(400, { words: [word('there', 250)], actions: [{ timeMs: 400, action: 'nod' }] }),
      0,
    );
    await writer.finish();
    expect(out.sent.map((f) => [f.Audio.length > 0, f.Final])).toEqual([
      [true, false],
      [true, true],
    ]);
    expect(out.sent[1]?.Words.map((w) => w.Text)).toEqual(['there']);
    expect(out.sent[1]?.Action).toEqual([{ pos: 'nod', start: 400 * 10_000 }]);
  });

  it('sends one empty final frame, sentence 1, when nothing was spoken', async () => {
    const out = sink();
    const writer = new SpeechWriter(out, 'r1', new AbortController().signal);
    writer.beginSentence();
    await writer.push(tail(0, { actions: [{ timeMs: 0, action: 'wave' }] }), 0);
    await writer.finish();
    expect(out.sent).toEqual([
      {
        Audio: '',
        ThFeat: [],
        ThDim: 52,
        ThFeatFinal: true,
        Action: [{ pos: 'wave', start: 0 }],
        Words: [],
        Final: true,
        SeqNo: 1,
      },
    ]);
  });

  it('numbers sentences from 1 and marks the last frame of each with ThFeatFinal', async () => {
    const out = sink();
    const writer = new SpeechWriter(out, 'r1', new AbortController().signal);
    writer.beginSentence();
    await writer.push(segment(0, 120), 0);
    await writer.push(segment(120, 120), 0);
    writer.endSentence();
    writer.beginSentence(); // a sentence without audio gets no number
    writer.endSentence();
    writer.beginSentence();
    await writer.push(segment(0, 80), writer.positionMs);
    writer.endSentence();
    await writer.finish();
    expect(out.sent.map((f) => [f.SeqNo, f.ThFeatFinal, f.Final])).toEqual([
      [1, false, false],
      [1, true, false],
      [2, true, true],
    ]);
  });

  it('times actions in 100 ns units on the ReqId timeline', async () => {
    const out = sink();
    const writer = new SpeechWriter(out, 'r1', new AbortController().signal);
    await writer.push(segment(0, 400), 0);
    await writer.push(segment(0, 200, { actions: [{ timeMs: 0, action: 'wave' }] }), 400);
    await writer.finish();
    expect(out.sent[1]?.Action).toEqual([{ pos: 'wave', start: 4_000_000 }]);
  });

  it('sends nothing more once aborted', async () => {
    const out = sink();
    const controller = new AbortController();
    const writer = new SpeechWriter(out, 'r1', controller.signal);
    await writer.push(segment(0, 120), 0);
    controller.abort();
    await writer.push(segment(120, 120), 0);
    await writer.finish();
    expect(out.sent).toEqual([]);
  });
});

describe('toThFeat', () => {
  it('places each internal channel at its vendor index, 52 per frame, 0 elsewhere', () => {
    const weights = Float32Array.from(BLENDSHAPE_NAMES, (_, i) => (i + 1) / 100);
    const thFeat = toThFeat([
      { timeMs: 0, weights },
      { timeMs: 40, weights: new Float32Array(BLENDSHAPE_NAMES.length) },
    ]);
    expect(thFeat).toHaveLength(104);
    THFEAT_CHANNELS.forEach((name, i) => {
      const internal = (BLENDSHAPE_NAMES as readonly string[]).indexOf(name);
      expect(thFeat[i]).toBe(internal >= 0 ? (internal + 1) / 100 : 0);
    });
    expect(thFeat[THFEAT_CHANNELS.indexOf('jawOpen')]).toBe(0.01);
    expect(thFeat.slice(52).every((w) => w === 0)).toBe(true);
  });
});
