import { describe, expect, it } from 'vitest';
import { sayAs } from './say-as.js';

describe('sayAs', () => {
  it.each([
    ['2024-07-19', 'July nineteenth, twenty twenty-four', '二零二四年七月十九日'],
    ['2024.7.1', 'July first, twenty twenty-four', '二零二四年七月一日'],
    ['20240719', 'July nineteenth, twenty twenty-four', '二零二四年七月十九日'],
    ['2024-02-29', 'February twenty-ninth, twenty twenty-four', '二零二四年二月二十九日'],
    ['2024-12', 'December twenty twenty-four', '二零二四年十二月'],
    ['2024年7月19号', 'July nineteenth, twenty twenty-four', '二零二四年七月十九日'],
  ])('date %s', (text, english, chinese) => {
    expect(sayAs('date', text, 'en')).toBe(english);
    expect(sayAs('date', text, 'zh')).toBe(chinese);
  });

  it.each(['2023-02-29', '2024-13-01', '2024-07/19', '07/19/2024', '19.07.2024'])(
    'date %s is not read as a date',
    (text) => {
      expect(sayAs('date', text, 'en')).toBe(text);
    },
  );

  it.each([
    ['10:30', 'ten thirty', '十点三十分'],
    ['10:00', "ten o'clock", '十点'],
    ['10:05', 'ten oh five', '十点零五分'],
    ['2:15', 'two fifteen', '两点十五分'],
    ['22:40', 'twenty-two forty', '二十二点四十分'],
    ['10:30:15', 'ten thirty and fifteen seconds', '十点三十分十五秒'],
    ['10:00:01', "ten o'clock and one second", '十点零分一秒'],
    ['7:30 pm', 'seven thirty p m', '下午七点三十分'],
    ['9:00 a.m.', 'nine a m', '上午九点'],
  ])('time %s', (text, english, chinese) => {
    expect(sayAs('time', text, 'en')).toBe(english);
    expect(sayAs('time', text, 'zh')).toBe(chinese);
  });

  it.each(['24:00', '10:60', '13:00 pm', '10.30', '10:3'])('time %s is not read as a time', (text) => {
    expect(sayAs('time', text, 'en')).toBe(text);
  });

  it.each([
    [
      '13812345678',
      'one three eight, one two three four, five six seven eight',
      '幺三八，幺二三四，五六七八',
    ],
    [
      '+86 138 1234 5678',
      'plus eight six, one three eight, one two three four, five six seven eight',
      '加八六，幺三八，幺二三四，五六七八',
    ],
    ['12345678', 'one two three four, five six seven eight', '幺二三四，五六七八'],
    ['1234567', 'one two three, four five six seven', '幺二三，四五六七'],
    ['4008001234', 'four zero zero, eight zero zero, one two three four', '四零零，八零零，幺二三四'],
    ['110', 'one one zero', '幺幺零'],
    [
      '(010) 1234-5678',
      'zero one zero, one two three four, five six seven eight',
      '零幺零，幺二三四，五六七八',
    ],
  ])('telephone %s', (text, english, chinese) => {
    expect(sayAs('telephone', text, 'en')).toBe(english);
    expect(sayAs('telephone', text, 'zh')).toBe(chinese);
  });

  it('reads a telephone with letters as written', () => {
    expect(sayAs('telephone', '1-800-FLOWERS', 'en')).toBe('1-800-FLOWERS');
  });

  it('reads digits and characters one at a time, keeping other characters', () => {
    expect(sayAs('digits', 'A12', 'en')).toBe('A one two');
    expect(sayAs('digits', '12 34', 'zh')).toBe('一二三四');
    expect(sayAs('characters', 'A B😀c', 'en')).toBe('A B 😀 c');
  });

  it('reads ordinals written with a suffix', () => {
    expect(sayAs('ordinal', '21st', 'en')).toBe('twenty-first');
  });

  it('ignores the case and spacing of interpret-as', () => {
    expect(sayAs(' Cardinal ', '12', 'en')).toBe('twelve');
  });
});
