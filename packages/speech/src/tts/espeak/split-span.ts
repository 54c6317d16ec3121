export interface TimeSpan {
  startMs: number;
  endMs: number;
}

/**
 * Shares one timed span among words said in it, in order, when the engine timed them as one: espeak-ng gives
 * "of the" a single word event, so "the" has no time of its own.
 *
 * Words take turns at the phonemes heard in the span, each taking a share in proportion to its weight (its
 * letters and digits), and a word starts where its first phoneme does: "of the" with ʌ v ð ə (weights 2 and 3)
 * splits at ð. With fewer phonemes than words, the time itself is shared in proportion to the weights. The
 * spans returned tile `span` exactly: the first starts at its start, each ends where the next starts, the last
 * ends at its end.
 *
 * @param weights one per word, positive (anything else counts as 1)
 * @param phonemeMs start times of the sounding phonemes, ascending; those outside the span are ignored
 */
export function splitSpan(
  span: TimeSpan,
  weights: readonly number[],
  phonemeMs: readonly number[],
): TimeSpan[] {
  const count = weights.length;
  if (count === 0) return [];
  const { startMs, endMs } = span;
  const sounds = phonemeMs.filter((ms) => ms >= startMs && ms < endMs);
  // before[i]: the weight of the words ahead of word i.
  const before = [0];
  for (const weight of weights) before.push((before.at(-1) ?? 0) + (weight > 0 ? weight : 1));
  const total = before[count] ?? count;
  const starts = [startMs];
  let previous = 0;
  for (let i = 1; i < count; i++) {
    const share = (before[i] ?? 0) / total;
    let ms: number;
    if (sounds.length >= count) {
      // Each word keeps at least one phoneme: the ones before it and the ones left for the words after it.
      const ideal = Math.round(sounds.length * share);
      previous = Math.min(Math.max(ideal, previous + 1), sounds.length - (count - i));
      ms = sounds[previous] ?? startMs;
    } else {
      ms = startMs + (endMs - startMs) * share;
    }
    starts.push(Math.max(ms, starts.at(-1) ?? startMs));
  }
  return starts.map((ms, i) => ({ startMs: ms, endMs: starts[i + 1] ?? Math.max(ms, endMs) }));
}
