import { describe, expect, it } from 'vitest';
import { groupSentences } from './sentences.js';
import { srtTime, subtitleCues, toSrt } from './subtitles.js';
import { textTimestamps } from './text-timestamps.js';
import { timeWords } from './video-test-support.js';

describe('groupSentences', () => {
  it('splits at sentence punctuation of the source and keeps its text', () => {
    const text = 'Hello, world. It costs 3.5 dollars! Right?';
    const sentences = groupSentences(timeWords(text), text);
    expect(sentences.map((s) => s.text)).toEqual(['Hello, world.', 'It costs 3.5 dollars!', 'Right?']);
    expect(sentences[1]?.words.map((w) => w.word)).toEqual(['It', 'costs', '3', '5', 'dollars']);
  });

  it('ignores markup between words and splits Chinese at full-width ends', () => {
    const ssml = '<speak>Wait <break time="1.5s"/> here. 你好。我们走吧</speak>';
    const words = timeWords(ssml).filter((w) => !['speak', 'break', 'time', '1', '5s'].includes(w.text));
    const sentences = groupSentences(words, ssml);
    expect(sentences.map((s) => s.text)).toEqual(['Wait here.', '你好。', '我们走吧']);
  });

  it('without the source text, makes one sentence of all words', () => {
    const sentences = groupSentences(timeWords('one two. three'));
    expect(sentences).toHaveLength(1);
    expect(sentences[0]?.text).toBe('one two three');
  });
});

describe('subtitleCues', () => {
  const text =
    'The quick brown fox jumps over the lazy dog and keeps on running far away. Then it rests under a tree.';
  const words = timeWords(text);
  const sentences = groupSentences(words, text);

  it('keeps cues within 42 characters and 5 s, never across a sentence, times from the words', () => {
    const cues = subtitleCues(sentences);
    for (const cue of cues) {
      expect(cue.text.length).toBeLessThanOrEqual(42);
      expect(cue.endMs - cue.startMs).toBeLessThanOrEqual(5_000);
    }
    expect(cues.map((c) => c.text)).toEqual([
      'The quick brown fox jumps over the lazy',
      'dog and keeps on running far away.',
      'Then it rests under a tree.',
    ]);
    expect(cues[0]?.startMs).toBe(words[0]?.startMs);
    expect(cues[1]?.endMs).toBe(words.find((w) => w.text === 'away')?.endMs);
    expect(cues[2]?.startMs).toBe(words.find((w) => w.text === 'Then')?.startMs);
  });

  it('breaks on time as well as length', () => {
    const cues = subtitleCues(sentences[0]?.words ?? [], { maxChars: 1000, maxMs: 2_000 });
    expect(cues.length).toBeGreaterThan(2);
    for (const cue of cues) expect(cue.endMs - cue.startMs).toBeLessThanOrEqual(2_000);
  });
});

describe('SRT', () => {
  it('formats HH:MM:SS,mmm, rounding to the ms', () => {
    expect(srtTime(0)).toBe('00:00:00,000');
    expect(srtTime(3_723_004.6)).toBe('01:02:03,005');
  });

  it('numbers cues from 1 and separates them by blank lines', () => {
    const srt = toSrt([
      { startMs: 100, endMs: 1_250, text: 'Hello there.' },
      { startMs: 1_700, endMs: 2_000, text: 'Bye.' },
    ]);
    expect(srt).toBe(
      '1\n00:00:00,100 --> 00:00:01,250\nHello there.\n\n2\n00:00:01,700 --> 00:00:02,000\nBye.\n',
    );
  });
});

describe('textTimestamps', () => {
  it("gives IVH's shape in 100-ns units", () => {
    const text = 'Hi there. Bye.';
    const result = textTimestamps(groupSentences(timeWords(text), text));
    expect(result).toEqual([
      {
        Sentence: 'Hi there.',
        Words: [
          { Word: 'Hi', StartTimestamp: 1_000_000, EndTimestamp: 2_400_000 },
          { Word: 'there', StartTimestamp: 3_200_000, EndTimestamp: 6_700_000 },
        ],
      },
      { Sentence: 'Bye.', Words: [{ Word: 'Bye', StartTimestamp: 10_700_000, EndTimestamp: 12_800_000 }] },
    ]);
  });
});
