import { describe, expect, it } from 'vitest';
import { chunks, concatPcm, fliteSpeech, silence } from './asr-test-support.js';
import { VoiceActivityDetector, type VadEvent, type VadOptions } from './voice-activity-detector.js';

const RATE = 16_000;

/** A sine at `dbfs` RMS. */
function tone(ms: number, hz: number, dbfs: number): Int16Array {
  const amplitude = 32768 * 10 ** (dbfs / 20) * Math.SQRT2;
  const out = new Int16Array(Math.round((ms * RATE) / 1000));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / RATE));
  return out;
}

/** Uniform white noise at `dbfs` RMS, from a fixed seed so every run sees the same samples. */
function whiteNoise(ms: number, dbfs: number, seed = 1): Int16Array {
  // Uniform on [-a, a] has RMS a/√3.
  const amplitude = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
  let state = seed;
  const out = new Int16Array(Math.round((ms * RATE) / 1000));
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    out[i] = Math.round(amplitude * (state / 2 ** 31 - 1));
  }
  return out;
}

function mix(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-32768, Math.min(32767, (a[i] ?? 0) + (b[i] ?? 0)));
  return out;
}

function scale(pcm: Int16Array, gainDb: number): Int16Array {
  const gain = 10 ** (gainDb / 20);
  return pcm.map((sample) => Math.round(sample * gain));
}

function detect(pcm: Int16Array, chunkSamples = 1600, options?: VadOptions): VadEvent[] {
  const vad = new VoiceActivityDetector(options);
  return chunks(pcm, chunkSamples).flatMap((chunk) => vad.push(chunk));
}

/**
 * Where the speech really starts and ends: the first and last 5 ms above −40 dBFS in the clean signal, a level
 * every word of these voices reaches within a few ms of its start. (Some flite voices begin with a hum at about
 * −46 dBFS before the first word, which a lower threshold would take for speech.)
 */
function speechBounds(pcm: Int16Array): { onsetMs: number; offsetMs: number } {
  const step = RATE / 200;
  const loud: number[] = [];
  for (let i = 0; i + step <= pcm.length; i += step) {
    let energy = 0;
    for (let k = i; k < i + step; k++) energy += (pcm[k] ?? 0) ** 2;
    if (10 * Math.log10(energy / step / 32768 ** 2) > -40) loud.push(i / step);
  }
  return { onsetMs: (loud[0] ?? 0) * 5, offsetMs: ((loud.at(-1) ?? 0) + 1) * 5 };
}

const flite = fliteSpeech('so what are your opening hours on sunday');

describe('VoiceActivityDetector', () => {
  it('reports nothing for silence', () => {
    const vad = new VoiceActivityDetector();
    expect(chunks(silence(10_000), 320).flatMap((chunk) => vad.push(chunk))).toEqual([]);
    expect(vad.inSpeech).toBe(false);
    expect(vad.positionMs).toBe(10_000);
  });

  it.each([
    ['slt', 'so what are your opening hours on sunday'],
    ['kal16', 'where is the nearest train station'],
    ['awb', 'how much does the ticket cost'],
    ['rms', 'please tell me about the weather today'],
  ] as const)(
    'finds one utterance in flite %s speech padded with silence, dated within 40 ms',
    (voice, text) => {
      const pcm = concatPcm(silence(700), voice === 'slt' ? flite : fliteSpeech(text, voice), silence(1000));
      const { onsetMs, offsetMs } = speechBounds(pcm);
      const events = detect(pcm);
      expect(events.map((event) => event.type)).toEqual(['start', 'end']);
      expect(Math.abs((events[0]?.atMs ?? 0) - onsetMs)).toBeLessThanOrEqual(40);
      expect(Math.abs((events[1]?.atMs ?? 0) - offsetMs)).toBeLessThanOrEqual(100);
    },
  );

  it('finds the utterance over quiet background noise too', () => {
    const speech = concatPcm(silence(700), flite, silence(1000));
    const pcm = mix(speech, whiteNoise(speech.length / 16, -55));
    const events = detect(pcm);
    expect(events.map((event) => event.type)).toEqual(['start', 'end']);
    expect(Math.abs((events[0]?.atMs ?? 0) - speechBounds(speech).onsetMs)).toBeLessThanOrEqual(40);
  });

  it('ignores white noise at −60 dBFS and steady noise louder than the minimum level', () => {
    expect(detect(whiteNoise(5000, -60))).toEqual([]);
    expect(detect(whiteNoise(5000, -30))).toEqual([]);
    // A hum present from the start is the floor.
    expect(detect(tone(5000, 100, -30))).toEqual([]);
  });

  it('ignores hiss that switches on, since it is not voiced', () => {
    expect(detect(concatPcm(silence(1000), whiteNoise(3000, -25)))).toEqual([]);
  });

  it('ends an utterance soon when a steady hum switches on, instead of staying in speech', () => {
    const events = detect(concatPcm(silence(1000), tone(5000, 120, -25)));
    expect(events.map((event) => event.type)).toEqual(['start', 'end']);
    expect(events[1]?.atMs).toBeLessThanOrEqual(1000 + 1100);
  });

  it('ignores speech below the minimum level (residual echo)', () => {
    const quiet = scale(flite, -40);
    expect(detect(concatPcm(silence(500), quiet, silence(500)))).toEqual([]);
    expect(detect(concatPcm(silence(500), quiet, silence(500)), 1600, { minLevelDbfs: -80 })).toHaveLength(2);
  });

  it('ignores clicks shorter than onsetMs', () => {
    const click = concatPcm(tone(40, 1000, -10), silence(460));
    expect(detect(concatPcm(silence(300), ...Array<Int16Array>(10).fill(click)))).toEqual([]);
    const impulses = silence(3000);
    for (let i = 1000; i < impulses.length; i += 4000) impulses[i] = 30_000;
    expect(detect(impulses)).toEqual([]);
  });

  it('dates a tone burst exactly, and reports its end only after the hangover', () => {
    const vad = new VoiceActivityDetector();
    expect(vad.push(silence(1000))).toEqual([]);
    expect(vad.push(tone(50, 300, -20))).toEqual([]);
    expect(vad.push(tone(450, 300, -20))).toEqual([{ type: 'start', atMs: 1000 }]);
    expect(vad.inSpeech).toBe(true);
    expect(vad.push(silence(290))).toEqual([]);
    expect(vad.push(silence(10))).toEqual([{ type: 'end', atMs: 1500 }]);
    expect(vad.inSpeech).toBe(false);
  });

  it('bridges pauses shorter than the hangover and splits at longer ones', () => {
    const burst = tone(400, 200, -20);
    expect(detect(concatPcm(silence(500), burst, silence(200), burst, silence(500)))).toHaveLength(2);
    expect(detect(concatPcm(silence(500), burst, silence(600), burst, silence(500)))).toEqual([
      { type: 'start', atMs: 500 },
      { type: 'end', atMs: 900 },
      { type: 'start', atMs: 1500 },
      { type: 'end', atMs: 1900 },
    ]);
  });

  it('honours onsetMs, hangoverMs and 20 ms frames', () => {
    const pcm = concatPcm(silence(500), tone(100, 300, -20), silence(1000));
    expect(detect(pcm, 1600, { onsetMs: 120 })).toEqual([]);
    expect(detect(pcm, 1600, { hangoverMs: 100, frameMs: 20 })).toEqual([
      { type: 'start', atMs: 500 },
      { type: 'end', atMs: 600 },
    ]);
  });

  it('gives the same events whatever the chunk size', () => {
    const pcm = mix(
      concatPcm(silence(600), flite, silence(400), tone(300, 250, -20), silence(800)),
      whiteNoise(600 + flite.length / 16 + 1500, -58, 7),
    );
    const reference = detect(pcm, 1600);
    expect(reference.length).toBeGreaterThanOrEqual(2);
    expect(detect(pcm, 37)).toEqual(reference);
    expect(detect(pcm, 1)).toEqual(reference);
    expect(detect(pcm, 16_000)).toEqual(reference);
  });

  it('rejects bad options and input', () => {
    expect(() => new VoiceActivityDetector({ frameMs: 15 as 10 })).toThrow(RangeError);
    expect(() => new VoiceActivityDetector({ onsetMs: -1 })).toThrow(RangeError);
    expect(() => new VoiceActivityDetector({ minLevelDbfs: 3 })).toThrow(RangeError);
    expect(() => new VoiceActivityDetector().push([1, 2] as unknown as Int16Array)).toThrow(TypeError);
  });
});
