import { describe, expect, it } from 'vitest';
import { FaqMatcher } from './faq-matcher.js';

const INTENTS = [
  {
    id: 'hours',
    questions: ['What are your opening hours?', 'When are you open?', 'What time do you close?'],
  },
  { id: 'location', questions: ['Where is the shop?', 'What is your address?'] },
  { id: 'prices', questions: ['How much does it cost?', 'What are your prices?'] },
  { id: 'zh-hours', questions: ['你们的营业时间是什么？', '几点开门？', '几点关门？'] },
  { id: 'zh-location', questions: ['店在哪里？', '你们的地址是什么？'] },
];

const matcher = new FaqMatcher(INTENTS, 0.35);
const idOf = (question: string) => matcher.match(question)?.intent.id;

describe('FaqMatcher', () => {
  it('matches English paraphrases to the intent with the closest example', () => {
    expect(idOf('When do you open tomorrow?')).toBe('hours');
    expect(idOf('what time does the shop close')).toBe('hours');
    expect(idOf('Where can I find the shop?')).toBe('location');
    expect(idOf('how much do the prices cost')).toBe('prices');
  });

  it('scores an exact example 1', () => {
    expect(matcher.match('Where is the shop?')).toEqual({ intent: INTENTS[1], score: 1 });
  });

  it('matches Chinese by characters and pairs', () => {
    expect(idOf('你们几点开门')).toBe('zh-hours');
    expect(idOf('请问营业时间')).toBe('zh-hours');
    expect(idOf('你们店在哪里呀')).toBe('zh-location');
  });

  it('matches questions that mix languages', () => {
    const mixed = new FaqMatcher([
      { id: 'dhuman', questions: ['dhuman 是什么？'] },
      { id: 'other', questions: ['今天天气怎么样？'] },
    ]);
    expect(mixed.match('什么是dhuman？')?.intent.id).toBe('dhuman');
  });

  it('gives no match below the threshold, so the caller answers the fallback', () => {
    expect(matcher.match('What is the capital of France?')).toBeUndefined();
    expect(matcher.match('I like trains')).toBeUndefined();
    expect(matcher.match('???')).toBeUndefined();
    // The same question matches once the threshold allows its score.
    const score = matcher.rank('What is the weather like in Paris?')[0]?.score ?? 0;
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(0.35);
    expect(new FaqMatcher(INTENTS, score).match('What is the weather like in Paris?')).toBeDefined();
  });

  it('weights rare terms above common ones', () => {
    // "what" is in many intents, "address" in one: sharing the rare word wins.
    expect(idOf('what address')).toBe('location');
  });

  it('is deterministic and breaks ties by file order', () => {
    const twins = new FaqMatcher([
      { id: 'first', questions: ['open now'] },
      { id: 'second', questions: ['open now'] },
    ]);
    for (let i = 0; i < 3; i++) expect(twins.match('open now')?.intent.id).toBe('first');
    expect(matcher.rank('When do you open?')).toEqual(matcher.rank('When do you open?'));
  });

  it('refuses a threshold outside 0–1', () => {
    expect(() => new FaqMatcher(INTENTS, 1.5)).toThrow(RangeError);
  });
});
