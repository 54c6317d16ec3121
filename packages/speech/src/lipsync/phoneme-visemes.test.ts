import { describe, expect, it } from 'vitest';
import { ipaToViseme, phonemesToVisemes, VisemeTrack } from './phoneme-visemes.js';

describe('ipaToViseme', () => {
  it.each([
    // English, as espeak-ng writes it
    ['p', 'PP'],
    ['b', 'PP'],
    ['m', 'PP'],
    ['f', 'FF'],
    ['v', 'FF'],
    ['θ', 'TH'],
    ['ð', 'TH'],
    ['t', 'DD'],
    ['ɾ', 'DD'],
    ['k', 'kk'],
    ['ŋ', 'kk'],
    ['h', 'kk'],
    ['tʃ', 'CH'],
    ['dʒ', 'CH'],
    ['ʃ', 'CH'],
    ['ʒ', 'CH'],
    ['s', 'SS'],
    ['z', 'SS'],
    ['n', 'nn'],
    ['l', 'nn'],
    ['ɹ', 'RR'],
    ['ɚ', 'RR'],
    ['ˈɑː', 'aa'],
    ['æ', 'aa'],
    ['ʌ', 'aa'],
    ['ˈaɪ', 'aa'],
    ['ə', 'E'],
    ['ˈɜː', 'E'],
    ['ˈeɪ', 'E'],
    ['əʊ', 'E'],
    ['ɪ', 'ih'],
    ['iː', 'ih'],
    ['j', 'ih'],
    ['ˈoʊ', 'oh'],
    ['ɔɪ', 'oh'],
    ['ɒ', 'oh'],
    ['uː', 'ou'],
    ['ʊ', 'ou'],
    ['w', 'ou'],
    // Mandarin: espeak's retroflex "." notation, aspiration, tone marks, finals by their first vowel
    ['tɕ', 'CH'],
    ['tɕh', 'CH'],
    ['ɕ', 'CH'],
    ['s.', 'CH'],
    ['ts.', 'CH'],
    ['ts.h', 'CH'],
    ['ʂ', 'CH'],
    ['ʈʂʰ', 'CH'],
    ['ts', 'SS'],
    ['tsh', 'SS'],
    ['ʦ', 'SS'],
    ['ʐ', 'RR'],
    ['χ', 'kk'],
    ['x', 'kk'],
    ['ph', 'PP'],
    ['ˈɑu', 'aa'],
    ['ˈua', 'ou'],
    ['ˈiɛ', 'ih'],
    ['ˈi.', 'ih'],
    ['y', 'ih'],
    ['ˈou', 'oh'],
    ['a˥˩', 'aa'],
    ['a51', 'aa'],
    // Joiners, tie bars and nasalization do not matter
    ['t͡ʃ', 'CH'],
    ['t\u200dʃ', 'CH'],
    ['ɑ̃', 'aa'],
    // espeak's language-switch markers are not sounds
    ['(en)', 'sil'],
    ['(cmn)n', 'nn'],
    // Pauses and the unknown
    ['', 'sil'],
    ['ˈ', 'sil'],
    ['_', 'sil'],
    ['ʘ', 'E'],
  ] as const)('%s → %s', (ipa, viseme) => {
    expect(ipaToViseme(ipa)).toBe(viseme);
  });
});

describe('phonemesToVisemes', () => {
  it('merges repeats, keeps the last of simultaneous phonemes, and closes the mouth at the end', () => {
    const phonemes = [
      { timeMs: 0, ipa: 'h' },
      { timeMs: 50, ipa: 'ə' },
      { timeMs: 100, ipa: 'ɛ' },
      { timeMs: 150, ipa: '' },
      { timeMs: 150, ipa: 'p' },
      { timeMs: 200, ipa: 'b' },
    ];
    expect(phonemesToVisemes(phonemes, 400)).toEqual([
      { timeMs: 0, viseme: 'kk', weight: 1 },
      { timeMs: 50, viseme: 'E', weight: 1 },
      { timeMs: 150, viseme: 'PP', weight: 1 },
      { timeMs: 400, viseme: 'sil', weight: 1 },
    ]);
  });

  it('does not add a second sil when the speech already ends in a pause', () => {
    const visemes = phonemesToVisemes(
      [
        { timeMs: 0, ipa: 'a' },
        { timeMs: 380, ipa: '' },
      ],
      400,
    );
    expect(visemes.map((v) => `${v.viseme}@${v.timeMs}`)).toEqual(['aa@0', 'sil@380']);
  });

  it('gives the same visemes when the phonemes come in pieces, shifted by an offset', () => {
    const phonemes = ['m', 'a', 'a', 'm', 'a', 'ʃ', 'i'].map((ipa, i) => ({ timeMs: i * 60, ipa }));
    const whole = phonemesToVisemes(phonemes, 500).map((v) => ({ ...v, timeMs: v.timeMs + 1000 }));
    const track = new VisemeTrack();
    const pieces = [
      ...track.push(phonemes.slice(0, 2), 1000),
      ...track.push(phonemes.slice(2, 5), 1000),
      ...track.push(phonemes.slice(5), 1000),
      ...track.silence(1500),
    ];
    expect(pieces).toEqual(whole);
  });
});
