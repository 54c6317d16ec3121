import { describe, expect, it } from 'vitest';
import { volumeGain } from '../../audio/pcm.js';
import { espeakJob, espeakRate, plainForEspeak } from './settings.js';

describe('espeak settings', () => {
  it('maps speed to words per minute around 175, within espeak range', () => {
    expect(espeakRate(1)).toBe(175);
    expect(espeakRate(2)).toBe(350);
    expect(espeakRate(0.5)).toBe(88);
    expect(espeakRate(5)).toBe(350);
    expect(espeakRate(0.1)).toBe(88);
    expect(espeakRate(Number.NaN)).toBe(175);
  });

  it('applies the shared volume curve to the job', () => {
    // The curve itself is tested with audio/pcm.ts; TTS and uplink audio must use the same one.
    expect(espeakJob({ text: 'a', voice: 'en-us', speed: 1, volume: 10 }).gain).toBe(volumeGain(10));
    expect(espeakJob({ text: 'a', voice: 'en-us', speed: 1, volume: 0 }).gain).toBe(1);
  });

  it('rejects an unknown voice, naming the known ones', () => {
    expect(() => espeakJob({ text: 'x', voice: 'klingon', speed: 1, volume: 0 })).toThrow(
      'espeak.tts: unknown voice "klingon"; known voices: en-us, en-gb, cmn, cmn-latn-pinyin',
    );
    expect(() => espeakJob({ text: 'x', voice: 'toString', speed: 1, volume: 0 })).toThrow('unknown voice');
    expect(espeakJob({ text: 'x', voice: 'cmn', speed: 2, volume: 0 })).toEqual({
      text: 'x',
      voice: 'sit/cmn',
      rate: 350,
      gain: 1,
    });
  });

  it('blanks angle brackets espeak would take for markup, keeping offsets', () => {
    expect(plainForEspeak('one <b> two')).toBe('one  b  two');
    expect(espeakJob({ text: 'a<b', voice: 'en-us', speed: 1, volume: 0 }).text).toBe('a b');
  });
});
