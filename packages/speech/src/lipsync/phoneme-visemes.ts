import type { PhonemeEvent, Viseme, VisemeEvent } from '@dhuman/core';

/**
 * IPA → viseme, as measured on espeak-ng's English and Mandarin output (docs: components.md, "TTS with phoneme
 * timing"). Sequences are tried first, longest first: affricates and espeak's retroflex notation, where a
 * trailing "." marks retroflex ("s." = ʂ, "ts." = ʈʂ, "ts.h" = ʈʂʰ) and maps to CH like ʃ.
 */
const SEQUENCES: readonly (readonly [string, Viseme])[] = [
  ['ts.', 'CH'],
  ['dz.', 'CH'],
  ['tʃ', 'CH'],
  ['dʒ', 'CH'],
  ['tɕ', 'CH'],
  ['dʑ', 'CH'],
  ['ʈʂ', 'CH'],
  ['s.', 'CH'],
  ['z.', 'CH'],
  ['ts', 'SS'],
  ['dz', 'SS'],
];

/**
 * Single symbols: the measured table, then (after the +) close relatives it did not list, for IPA from other
 * sources: retroflex ʈ ɖ (DD) and ʂ (CH, like espeak's "s."), IPA ɡ, ʔ ɣ ç ʁ (kk), ɫ ɲ (nn), r-coloured
 * vowels ɚ ɝ (RR), ᵻ ɨ ɯ ʏ (ih), ɘ ɤ œ (E), ø ɵ (oh), ʉ (ou).
 */
const SYMBOLS: Readonly<Record<Viseme, string>> = {
  sil: '',
  PP: 'pbm',
  FF: 'fv',
  TH: 'θð',
  DD: 'tdɾ' + 'ʈɖ',
  kk: 'kgŋχxh' + 'ɡʔɣçʁ',
  CH: 'ʃʒɕʑ' + 'ʂ',
  SS: 'szʦʣ',
  nn: 'nl' + 'ɫɲ',
  RR: 'ɹrɻʐ' + 'ɚɝ',
  aa: 'ɑaæʌɐ',
  E: 'eɛəɜ' + 'ɘɤœ',
  ih: 'iɪyj' + 'ᵻɨɯʏ',
  oh: 'oɔɒ' + 'øɵ',
  ou: 'uʊw' + 'ʉ',
};

const BY_SYMBOL: ReadonlyMap<string, Viseme> = new Map(
  Object.entries(SYMBOLS).flatMap(([viseme, symbols]) =>
    [...symbols].map((s) => [s, viseme as Viseme] as const),
  ),
);

/**
 * What does not choose the mouth shape: the Spacing Modifier Letters block (stress ˈˌ, length ːˑ, aspiration
 * and palatalization ʰʲʷ, tone letters ˥-˩), combining marks (tie bars, nasalization, syllabicity), joiners,
 * tone digits and spaces.
 */
const IGNORED = /[\u02B0-\u02FF0-9\s]|\p{M}|\u200C|\u200D/gu;

/** espeak's language-switch markers, e.g. "(en)" before English words read by the Mandarin voice. */
const LANGUAGE_SWITCH = /\([a-z]{2,3}(?:-[a-z0-9]+)*\)/giu;

/** A symbol outside the table is most likely a vowel variant; a half-open neutral mouth is the safe guess. */
const UNKNOWN: Viseme = 'E';

/**
 * The viseme of one phoneme. A diphthong or other cluster takes the viseme of its first symbol ("oʊ" → oh,
 * "aɪ" → aa, Mandarin "ua" → ou): the onset is what the mouth shows as the sound starts, and the glide is left
 * to the blending towards the next phoneme. Empty (espeak's pauses) → sil.
 */
export function ipaToViseme(ipa: string): Viseme {
  const symbols = ipa
    .replace(LANGUAGE_SWITCH, '')
    .replace(IGNORED, '')
    .replace(/^[^\p{L}]+/u, '');
  if (symbols === '') return 'sil';
  for (const [sequence, viseme] of SEQUENCES) if (symbols.startsWith(sequence)) return viseme;
  const first = String.fromCodePoint(symbols.codePointAt(0) ?? 0);
  return BY_SYMBOL.get(first) ?? BY_SYMBOL.get(first.toLowerCase()) ?? UNKNOWN;
}

/**
 * Visemes of a phoneme stream that arrives in pieces. A viseme equal to the one before it is dropped, also
 * across pieces, so the result is the same however the stream is split.
 */
export class VisemeTrack {
  private last: Viseme | undefined;

  /**
   * Visemes for the next phonemes, their times shifted by `offsetMs`. Of phonemes starting at the same time
   * only the last counts: espeak marks word boundaries with an empty phoneme at the next word's start, which
   * would otherwise be a zero-length `sil`.
   */
  push(phonemes: readonly PhonemeEvent[], offsetMs = 0): VisemeEvent[] {
    const out: VisemeEvent[] = [];
    phonemes.forEach((phoneme, i) => {
      if (phonemes[i + 1]?.timeMs === phoneme.timeMs) return;
      this.add(out, ipaToViseme(phoneme.ipa), phoneme.timeMs + offsetMs);
    });
    return out;
  }

  /** Closes the mouth at `timeMs` (the end of the audio, or a pause) unless it already is closed. */
  silence(timeMs: number): VisemeEvent[] {
    const out: VisemeEvent[] = [];
    this.add(out, 'sil', timeMs);
    return out;
  }

  private add(out: VisemeEvent[], viseme: Viseme, timeMs: number): void {
    if (viseme === this.last) return;
    this.last = viseme;
    out.push({ timeMs, viseme, weight: 1 });
  }
}

/** Visemes for one utterance's phonemes (weight 1, no repeats), ending with `sil` at the end of the audio. */
export function phonemesToVisemes(phonemes: readonly PhonemeEvent[], audioDurationMs: number): VisemeEvent[] {
  const track = new VisemeTrack();
  return [...track.push(phonemes), ...track.silence(audioDurationMs)];
}
