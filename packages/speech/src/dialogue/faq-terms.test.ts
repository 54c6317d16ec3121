import { describe, expect, it } from 'vitest';
import { faqTerms, stem } from './faq-terms.js';

describe('faqTerms', () => {
  it('lowercases English, drops punctuation and stop words, and stems endings', () => {
    expect(faqTerms('What are your Opening Hours?!')).toEqual(['w:what', 'w:open', 'w:hour']);
    expect(faqTerms("What's the price of the coffees?")).toEqual(['w:what', 'w:price', 'w:coffee']);
  });

  it('gives the same terms for inflected forms', () => {
    expect(faqTerms('When does it open?')).toEqual(faqTerms('When opened'));
    expect(faqTerms('stopped stopping stops')).toEqual(['w:stop']);
  });

  it('reads Chinese as characters and character pairs, without tone particles on their own', () => {
    expect(faqTerms('几点开门吗？')).toEqual([
      'c:几',
      'p:几点',
      'c:点',
      'p:点开',
      'c:开',
      'p:开门',
      'c:门',
      'p:门吗',
    ]);
  });

  it('splits mixed text into words and CJK runs', () => {
    expect(faqTerms('dhuman支持中文吗')).toEqual([
      'w:dhuman',
      'c:支',
      'p:支持',
      'c:持',
      'p:持中',
      'c:中',
      'p:中文',
      'c:文',
      'p:文吗',
    ]);
  });

  it('folds full-width letters and accents', () => {
    expect(faqTerms('ＣＡＦÉ')).toEqual(['w:cafe']);
  });

  it('gives no terms for punctuation or stop words alone', () => {
    expect(faqTerms('?!… the, a')).toEqual([]);
  });
});

describe('stem', () => {
  it.each([
    ['hours', 'hour'],
    ['opening', 'open'],
    ['opened', 'open'],
    ['stopped', 'stop'],
    ['batteries', 'battery'],
    ['classes', 'class'],
    ['bus', 'bus'],
    ['this', 'this'],
    ['sing', 'sing'],
    ['need', 'need'],
    ['calling', 'call'],
  ])('%s → %s', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});
