import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ERRORS, IvhError } from '@dhuman/protocol';
import { MediaClock } from '../media/media-clock.js';
import type { MediaFrame } from '../media/media-frames.js';
import type { SpeechSegment } from '../speech/segment.js';
import type { DriveEvent } from './drive-events.js';
import { DriveScheduler, type Question } from './drive-scheduler.js';
import type { SpeechServices } from './speech-services.js';

// Scripted speech (a fake provider is fine in tests; the real speech layer has its own tests): every word is
// 100 ms of audio, rendered on the next tick; "<bad" is malformed SSML; "explode" fails mid-way.
const RATE = 24;
function silence(ms: number): SpeechSegment {
  return {
    startMs: 0,
    pcm: new Int16Array(ms * RATE).fill(500),
    visemes: [{ timeMs: 0, viseme: 'aa', weight: 1 }],
    blendshapes: [],
    words: [],
    actions: [],
  };
}

const speech: SpeechServices = {
  render(text, _voice, signal) {
    if (text.includes('<bad'))
      throw new IvhError(ERRORS.INVALID_PARAMETER, 'SSML unclosed tag at line 1, column 1 (offset 0)');
    const words = text.split(/\s+/).filter(Boolean);
    return (async function* () {
      for (const word of words) {
        await Promise.resolve();
        if (signal.aborted) return;
        if (word === 'explode') throw new Error('engine crashed');
        yield silence(100);
      }
    })();
  },
  createSplitter() {
    let buffer = '';
    return {
      push(fragment: string) {
        buffer += fragment;
        const parts = buffer.split(/(?<=[.?!])\s*/);
        buffer = parts.pop() ?? '';
        return parts.filter((p) => p.trim());
      },
      flush() {
        const rest = buffer.trim();
        buffer = '';
        return rest ? [rest] : [];
      },
    };
  },
  createAudioInput() {
    return {
      push: (pcm: Int16Array) => ({
        ...silence(0),
        pcm: Int16Array.from({ length: Math.round(pcm.length * 1.5) }, () => 100),
      }),
      end: () => undefined,
    };
  },
  decodeAudio(b64: string) {
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length % 2 !== 0) throw new Error(`${bytes.length} bytes is odd`);
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  },
};

const audio160ms = Buffer.alloc(5120, 1).toString('base64');

describe('DriveScheduler', () => {
  let now: number;
  let clock: MediaClock;
  let events: DriveEvent[];
  let frames: MediaFrame[];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    now = 0;
    clock = new MediaClock({ now: () => now });
    events = [];
    frames = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    clock.close();
  });

  function scheduler(driverType: 1 | 3 = 1, onQuestion?: (q: Question) => void): DriveScheduler {
    const sink = events;
    const published = frames;
    return new DriveScheduler({
      ...(onQuestion && { onQuestion }),
      driverType,
      streamMaxIntervalMs: 2000,
      voice: { voice: 'en-us', speed: 1, volume: 0 },
      speech,
      clock,
      originMs: 0,
      publish: (f) => published.push(f),
      emit: (e) => sink.push(e),
    });
  }

  /** Advances the media clock (and timers) in 20 ms ticks, letting rendering promises settle. */
  async function play(ms: number): Promise<void> {
    const end = now + ms;
    while (now < end) {
      await vi.advanceTimersByTimeAsync(0);
      clock.tickAll();
      now += 20;
      await vi.advanceTimersByTimeAsync(20);
    }
    clock.tickAll();
  }

  const statuses = (reqId?: string) =>
    events.filter((e) => reqId === undefined || e.ReqId === reqId).map((e) => e.SpeakStatus ?? `T${e.Type}`);

  it('echoes text, then reports WaitingTextStart, TextStart with timings, WaitingTextOver and TextOver', async () => {
    const s = scheduler();
    s.sendText('r1', { Text: 'one two three' });
    expect(events[0]).toEqual({ Type: 1, ReqId: 'r1', Seq: 0, Text: 'one two three' });
    await play(100);
    expect(statuses()).toEqual(['T1', 'WaitingTextStart', 'TextStart', 'WaitingTextOver']);
    const start = events.find((e) => e.SpeakStatus === 'TextStart');
    expect(start?.Timings?.FirstSampleMs).toBeGreaterThanOrEqual(0);
    await play(300);
    expect(statuses().at(-1)).toBe('TextOver');
    expect(
      frames
        .filter((f) => f.kind === 'audio')
        .reduce((n, f) => n + (f.kind === 'audio' ? f.pcm.length : 0), 0),
    ).toBe(300 * RATE);
  });

  it('replaces the speech playing with new text, and no frame of the old one follows', async () => {
    const s = scheduler();
    s.sendText('r1', { Text: 'a b c d e f g h' });
    await play(200);
    const oldId = frames.find((f) => f.kind === 'utterance-start')?.utteranceId;
    s.sendText('r2', { Text: 'x y' });
    expect(statuses('r1').at(-1)).toBe('TextOver');
    const cut = frames.length;
    await play(400);
    expect(frames.slice(cut).some((f) => f.utteranceId === oldId)).toBe(false);
    expect(statuses('r2')).toEqual(['T1', 'WaitingTextStart', 'TextStart', 'WaitingTextOver', 'TextOver']);
  });

  it('stops on an empty interrupt within the same tick, and ignores one with nothing playing', async () => {
    const s = scheduler();
    s.sendText('stop0', { Interrupt: true });
    expect(events).toEqual([]);
    s.sendText('r1', { Text: 'a b c d e f' });
    await play(100);
    s.sendText('stop1', { Interrupt: true, ChatRoundId: 'x' });
    expect(statuses('r1').at(-1)).toBe('TextOver');
    expect(events.filter((e) => e.ReqId.startsWith('stop'))).toEqual([]);
  });

  it('reports malformed SSML as a terminal error on the command’s ReqId and stays usable', async () => {
    const s = scheduler();
    s.sendText('bad', { Text: '<speak><bad' });
    expect(events.at(-1)).toMatchObject({
      Type: 9,
      ReqId: 'bad',
      SpeakStatus: 'Error',
      ErrorCode: 100001,
      ErrorMsg: expect.stringMatching(/line 1/),
    });
    s.sendText('empty', { Text: '  ' });
    expect(events.at(-1)).toMatchObject({ Type: 9, ReqId: 'empty', ErrorCode: 100001 });
    s.sendText('ok', { Text: 'fine' });
    await play(200);
    expect(statuses('ok').at(-1)).toBe('TextOver');
  });

  it('reports an engine failure with -111005 and no TextOver', async () => {
    const s = scheduler();
    s.sendText('r1', { Text: 'a explode' });
    await play(300);
    expect(statuses('r1')).toEqual(['T1', 'WaitingTextStart', 'Error', 'TextStart', 'WaitingTextOver']);
    expect(events.find((e) => e.SpeakStatus === 'Error')).toMatchObject({
      ErrorCode: -111005,
      ErrorMessage: expect.stringMatching(/engine crashed/),
    });
  });

  it('reports an engine that fails before any audio with Error only: no TextStart, no TextOver', async () => {
    const s = scheduler();
    s.sendText('r1', { Text: 'explode now' });
    await play(200);
    expect(statuses('r1')).toEqual(['T1', 'WaitingTextStart', 'Error']);
    s.sendText('r2', { Text: 'fine' });
    await play(200);
    expect(statuses('r2').at(-1)).toBe('TextOver');
  });

  it('speaks a non-sentence stream sentence by sentence before it ends, in Seq order', async () => {
    const s = scheduler();
    s.sendStreamText('st', { Seq: 2, Text: 'there. How are' });
    s.sendStreamText('st', { Seq: 1, Text: 'Hello ' });
    s.sendStreamText('st', { Seq: 1, Text: 'Hello ' }); // duplicate
    await play(100);
    expect(statuses('st')).toContain('TextStart');
    s.sendStreamText('st', { Seq: 3, Text: ' you?', IsFinal: true });
    await play(800);
    const echoes = events.filter((e) => e.Type === 1).map((e) => e.Seq);
    expect(echoes).toEqual([1, 2, 3]);
    expect(statuses('st').at(-1)).toBe('TextOver');
    const samples = frames.reduce((n, f) => n + (f.kind === 'audio' ? f.pcm.length : 0), 0);
    expect(samples).toBe(5 * 100 * RATE);
  });

  it('finalises a quiet stream after StreamMaxInterval', async () => {
    const s = scheduler();
    s.sendStreamText('st', { Seq: 1, Text: 'no final here' });
    await play(1500);
    expect(statuses('st')).not.toContain('TextOver');
    await play(1000);
    expect(statuses('st').at(-1)).toBe('TextOver');
  });

  it('reports a missing Seq and goes on without it', async () => {
    const s = scheduler();
    s.sendStreamText('st', { Seq: 1, Text: 'one.' });
    s.sendStreamText('st', { Seq: 3, Text: 'three.', IsFinal: true });
    await play(700);
    expect(events.find((e) => e.Type === 9)).toMatchObject({
      ErrorCode: 100001,
      ErrorMessage: expect.stringMatching(/Seq 2 is missing/),
    });
    expect(events.find((e) => e.Type === 9)?.SpeakStatus).toBeUndefined();
    expect(statuses('st').at(-1)).toBe('TextOver');
    s.sendStreamText('far', { Seq: 1, Text: 'x' });
    s.sendStreamText('far', { Seq: 500, Text: 'y' });
    expect(events.at(-1)).toMatchObject({
      Type: 9,
      ErrorMessage: expect.stringMatching(/Seq 500 is too far ahead; expected 2/),
    });
  });

  it('interrupts a stream with the SDK stop shape; a stop for an unknown stream is a no-op', async () => {
    const s = scheduler();
    s.sendStreamText('nothing', { Seq: 1, Text: '', Interrupt: true });
    expect(events).toEqual([]);
    s.sendStreamText('st', { Seq: 1, Text: 'a b c d e f g. h i j.' });
    await play(200);
    s.sendStreamText('st', { Seq: 2, Text: '', IsFinal: true, Interrupt: true });
    expect(statuses('st').at(-1)).toBe('TextOver');
    s.sendStreamText('st', { Seq: 3, Text: 'late' });
    expect(events.at(-1)).toMatchObject({ Type: 9, ErrorCode: 110015 });
  });

  it('reports clauses in sentence mode and plays a cut-in right after the current clause', async () => {
    const s = scheduler();
    s.sendStreamText('sm', { Seq: 1, Text: 'A1 a', IsSentence: true });
    s.sendStreamText('sm', { Seq: 2, Text: 'A2 a a', IsSentence: true });
    s.sendStreamText('sm', { Seq: 3, Text: 'A3', IsSentence: true });
    await play(260); // A1 played, A2 playing
    s.sendStreamText('sm', { Seq: 4, Text: 'X', IsSentence: true, IsInsertSentence: true, IsFinal: true });
    await play(1500);
    const order = events.filter((e) => e.SpeakStatus === 'SentenceStart').map((e) => e.Seq);
    expect(order).toEqual([1, 2, 4, 3]);
    expect(events.filter((e) => e.SpeakStatus === 'SentenceNext')).toHaveLength(4);
    expect(events.filter((e) => e.SpeakStatus === 'SentenceOver').map((e) => e.Seq)).toEqual([1, 2, 4, 3]);
    expect(statuses('sm').at(-1)).toBe('TextOver');
  });

  it('plays uplink audio after a 160 ms prebuffer and ends with FinalType 1 on the empty final packet', async () => {
    const s = scheduler(3);
    s.sendAudio('au', { Seq: 1, Audio: audio160ms });
    await play(60);
    expect(statuses('au')).toEqual(['WaitingAudioStart', 'AudioStart', 'WaitingAudioOver']);
    s.sendAudio('au', { Seq: 2, Audio: audio160ms });
    s.sendAudio('au', { Seq: 3, Audio: '', IsFinal: true });
    await play(400);
    expect(events.at(-1)).toMatchObject({ SpeakStatus: 'AudioOver', FinalType: 1 });
    s.sendAudio('au', { Seq: 4, Audio: audio160ms });
    expect(events.at(-1)).toMatchObject({
      Type: 9,
      ErrorCode: 110015,
      ErrorMessage: expect.stringMatching(/already finished/),
    });
  });

  it('finalises audio itself with FinalType 2 when packets stop', async () => {
    const s = scheduler(3);
    s.sendAudio('au', { Seq: 1, Audio: audio160ms });
    await play(2400);
    expect(events.at(-1)).toMatchObject({ SpeakStatus: 'AudioOver', FinalType: 2 });
  });

  it('refuses audio on a text session, bad audio and audio too far ahead', () => {
    scheduler(1).sendAudio('a1', { Seq: 1, Audio: audio160ms });
    expect(events.at(-1)).toMatchObject({ Type: 9, ErrorCode: 110015, SpeakStatus: 'Error' });
    const s = scheduler(3);
    s.sendAudio('a2', { Seq: 1, Audio: 'AAAA' });
    expect(events.at(-1)).toMatchObject({
      Type: 9,
      ErrorCode: 100001,
      ErrorMessage: expect.stringMatching(/Data.Audio/),
    });
    const big = Buffer.alloc(16_000 * 2 * 10, 1).toString('base64');
    s.sendAudio('a3', { Seq: 1, Audio: big });
    s.sendAudio('a3', { Seq: 2, Audio: big });
    s.sendAudio('a3', { Seq: 3, Audio: big });
    s.sendAudio('a3', { Seq: 4, Audio: big });
    expect(events.at(-1)).toMatchObject({
      Type: 9,
      ErrorCode: 100012,
      ErrorMessage: expect.stringMatching(/ahead of playback/),
    });
  });

  describe('questions and answers (dialogue)', () => {
    it('hands SEND_TEXT to the dialogue layer unless ChatCommand is NotUseChat', () => {
      const questions: Question[] = [];
      const s = scheduler(1, (q) => questions.push(q));
      s.sendText('q1', { Text: 'what time is it', ChatRoundId: 'round-a' });
      s.sendText('v1', { Text: 'say this', ChatCommand: 'NotUseChat' });
      expect(questions).toEqual([{ reqId: 'q1', text: 'what time is it', roundId: 'round-a' }]);
      expect(statuses('q1')).toEqual([]);
      expect(statuses('v1')).toEqual(['T1', 'WaitingTextStart']);
    });

    it('speaks an answer clause by clause as they arrive and ends it with TextOver after the last', async () => {
      const s = scheduler();
      const answer = s.openAnswer({ reqId: 'a1', text: 'hours?', roundId: '' });
      expect(events[0]).toEqual({ Type: 1, ReqId: 'a1', Seq: 0, Text: 'hours?' });
      expect(answer.say('we open')).toBe(1);
      await play(100);
      expect(statuses('a1')).toEqual(['T1', 'WaitingTextStart', 'TextStart', 'WaitingTextOver']);
      expect(answer.say('at nine')).toBe(2);
      await play(300);
      expect(statuses('a1').at(-1)).toBe('WaitingTextOver'); // more may come
      answer.end();
      await play(100);
      expect(statuses('a1').at(-1)).toBe('TextOver');
      const audio = frames.filter((f) => f.kind === 'audio');
      expect(audio.reduce((n, f) => n + (f.kind === 'audio' ? f.pcm.length : 0), 0)).toBe(400 * RATE);
    });

    it('a new answer replaces the one playing and aborts its signal', async () => {
      const s = scheduler();
      const first = s.openAnswer({ reqId: 'a1', text: 'q1', roundId: '' });
      first.say('one two three four five');
      await play(100);
      const second = s.openAnswer({ reqId: 'a2', text: 'q2', roundId: '' });
      expect(first.signal.aborted).toBe(true);
      expect(statuses('a1').at(-1)).toBe('TextOver');
      second.say('six');
      second.end();
      await play(200);
      expect(statuses('a2').at(-1)).toBe('TextOver');
    });

    it('barge-in stops what plays, but not a clause marked uninterruptible; an interrupt stops that too', async () => {
      const s = scheduler();
      s.sendText('t1', { Text: 'a b c d e f g h' });
      await play(100);
      expect(s.bargeIn()).toBe(true);
      expect(statuses('t1').at(-1)).toBe('TextOver');
      expect(s.bargeIn()).toBe(false); // nothing left

      const answer = s.openAnswer({ reqId: 'a1', text: 'q', roundId: '' });
      answer.say('cut me');
      answer.say('keep me please now', { uninterruptible: true, muted: true });
      answer.end();
      await play(100);
      expect(s.microphoneMuted).toBe(false);
      await play(140); // into the second clause
      expect(s.microphoneMuted).toBe(true);
      expect(s.bargeIn()).toBe(false);
      expect(statuses('a1').at(-1)).toBe('WaitingTextOver');
      s.interrupt();
      expect(statuses('a1').at(-1)).toBe('TextOver');
      expect(s.microphoneMuted).toBe(false);
    });
  });
});
