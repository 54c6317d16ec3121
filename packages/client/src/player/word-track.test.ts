import { describe, expect, it } from 'vitest';
import { WordTrack } from './word-track.js';

describe('WordTrack', () => {
  const track = new WordTrack();
  track.add([
    { Text: 'Hello', StartMs: 0, EndMs: 300 },
    { Text: 'there,', StartMs: 320, EndMs: 600 },
  ]);
  track.add([{ Text: 'friend', StartMs: 900, EndMs: 1300 }]);

  it('gives the last word started at a time, through the pause after it', () => {
    expect([-1, 0, 299, 319, 320, 700, 899, 900, 5000].map((ms) => track.indexAt(ms))).toEqual([
      -1, 0, 0, 0, 1, 1, 1, 2, 2,
    ]);
  });

  it('keeps start order when words arrive out of order', () => {
    const late = new WordTrack();
    late.add([{ Text: 'b', StartMs: 200, EndMs: 300 }]);
    late.add([{ Text: 'a', StartMs: 100, EndMs: 150 }]);
    expect(late.words.map((w) => w.Text)).toEqual(['a', 'b']);
    expect(new WordTrack().indexAt(100)).toBe(-1);
  });
});
