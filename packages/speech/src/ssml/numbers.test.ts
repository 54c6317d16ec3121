import { describe, expect, it } from 'vitest';
import { englishCardinal, englishDigits, englishNumber, englishOrdinal, englishYear } from './numbers-en.js';
import { chineseCardinal, chineseDigits, chineseNumber, chineseOrdinal } from './numbers-zh.js';

describe('English numbers', () => {
  it.each([
    ['0', 'zero'],
    ['7', 'seven'],
    ['10', 'ten'],
    ['11', 'eleven'],
    ['20', 'twenty'],
    ['21', 'twenty-one'],
    ['105', 'one hundred five'],
    ['1000', 'one thousand'],
    ['1001', 'one thousand one'],
    ['2024', 'two thousand twenty-four'],
    ['10000', 'ten thousand'],
    ['100000000', 'one hundred million'],
    ['1234567', 'one million two hundred thirty-four thousand five hundred sixty-seven'],
    ['1000000000000', 'one trillion'],
    ['007', 'seven'],
  ])('cardinal %s → %s', (digits, words) => {
    expect(englishCardinal(digits)).toBe(words);
  });

  it('reads numbers past the quadrillions digit by digit', () => {
    expect(englishCardinal('1'.repeat(19))).toBe(Array(19).fill('one').join(' '));
  });

  it.each([
    ['-5', 'minus five'],
    ['3.14', 'three point one four'],
    ['-0.5', 'minus zero point five'],
    ['.5', 'zero point five'],
    ['1,234.05', 'one thousand two hundred thirty-four point zero five'],
    ['+42', 'forty-two'],
  ])('number %s → %s', (text, words) => {
    expect(englishNumber(text)).toBe(words);
  });

  it.each(['', '-', '1,23', '12a', '1.', '1.2.3', '١٢'])('"%s" is not a number', (text) => {
    expect(englishNumber(text)).toBeUndefined();
  });

  it.each([
    ['1', 'first'],
    ['2', 'second'],
    ['3', 'third'],
    ['5', 'fifth'],
    ['8', 'eighth'],
    ['9', 'ninth'],
    ['12', 'twelfth'],
    ['19', 'nineteenth'],
    ['20', 'twentieth'],
    ['21', 'twenty-first'],
    ['100', 'one hundredth'],
  ])('ordinal %s → %s', (digits, words) => {
    expect(englishOrdinal(digits)).toBe(words);
  });

  it.each([
    [2024, 'twenty twenty-four'],
    [1999, 'nineteen ninety-nine'],
    [2000, 'two thousand'],
    [2005, 'two thousand five'],
    [2010, 'twenty ten'],
    [1900, 'nineteen hundred'],
    [1905, 'nineteen oh five'],
    [800, 'eight hundred'],
  ])('year %d → %s', (year, words) => {
    expect(englishYear(year)).toBe(words);
  });

  it('reads digits one by one', () => {
    expect(englishDigits('1234')).toBe('one two three four');
  });
});

describe('Chinese numbers', () => {
  it.each([
    ['0', '零'],
    ['7', '七'],
    ['10', '十'],
    ['11', '十一'],
    ['20', '二十'],
    ['105', '一百零五'],
    ['110', '一百一十'],
    ['1000', '一千'],
    ['1001', '一千零一'],
    ['1010', '一千零一十'],
    ['2024', '二千零二十四'],
    ['10000', '一万'],
    ['10001', '一万零一'],
    ['10010', '一万零一十'],
    ['100000', '十万'],
    ['110000', '十一万'],
    ['12345', '一万二千三百四十五'],
    ['100000000', '一亿'],
    ['100010000', '一亿零一万'],
    ['100000001', '一亿零一'],
    ['120000000', '一亿二千万'],
    ['1000000000000', '一万亿'],
  ])('cardinal %s → %s', (digits, words) => {
    expect(chineseCardinal(digits)).toBe(words);
  });

  it.each([
    ['-5', '负五'],
    ['3.14', '三点一四'],
    ['0.5', '零点五'],
    ['-10.05', '负十点零五'],
  ])('number %s → %s', (text, words) => {
    expect(chineseNumber(text)).toBe(words);
  });

  it('is undefined for text that is not a number', () => {
    expect(chineseNumber('三')).toBeUndefined();
  });

  it('reads digits one by one, with 幺 for 1 in phone numbers', () => {
    expect(chineseDigits('2024')).toBe('二零二四');
    expect(chineseDigits('110', true)).toBe('幺幺零');
  });

  it('reads ordinals with 第', () => {
    expect(chineseOrdinal('3')).toBe('第三');
  });

  it('reads numbers past 10¹⁶ digit by digit', () => {
    expect(chineseCardinal('12345678901234567')).toBe('一二三四五六七八九零一二三四五六七');
  });
});
