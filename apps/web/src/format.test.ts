import { describe, expect, it } from 'vitest';
import { abbreviateKey, describeExpiry, formatClock, truncate } from './format.js';

describe('formatClock', () => {
  it('pads hours, minutes, seconds and milliseconds', () => {
    expect(formatClock(new Date(2026, 0, 2, 3, 4, 5, 6))).toBe('03:04:05.006');
  });
});

describe('describeExpiry', () => {
  const now = new Date(2026, 0, 2, 14, 0, 0).getTime();
  const sec = (ms: number) => Math.floor(ms / 1000);

  it('says when and in how long', () => {
    expect(describeExpiry(sec(now + 59 * 60_000 + 30_000), now)).toBe('expires at 14:59 (in 59 min)');
  });

  it('says less than a minute at the end', () => {
    expect(describeExpiry(sec(now + 30_000), now)).toBe('expires at 14:00 (in less than a minute)');
  });

  it('says expired afterwards', () => {
    expect(describeExpiry(sec(now - 60_000), now)).toBe('expired at 13:59');
  });
});

describe('truncate', () => {
  it('keeps short texts, flattening whitespace', () => {
    expect(truncate('  hello\n  world ', 20)).toBe('hello world');
  });

  it('cuts on a word boundary with an ellipsis', () => {
    expect(truncate('The quick brown fox jumps over the lazy dog', 20)).toBe('The quick brown fox…');
  });

  it('cuts inside a word when there is no boundary near', () => {
    expect(truncate('Supercalifragilisticexpialidocious', 10)).toBe('Supercali…');
  });
});

describe('abbreviateKey', () => {
  it('shows the ends of a long key only', () => {
    expect(abbreviateKey('7ae7622fb0343b8d9f3883095db971a8')).toBe('7ae7…71a8');
    expect(abbreviateKey('short')).toBe('short');
  });
});
