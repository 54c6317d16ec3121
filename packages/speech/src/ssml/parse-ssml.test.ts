import { ERRORS, IvhError } from '@dhuman/protocol';
import { describe, expect, it } from 'vitest';
import { parseSpeechInput } from './parse-ssml.js';

const items = (input: string, language?: 'en' | 'zh') => parseSpeechInput(input, { language }).items;

function errorOf(input: string): IvhError {
  try {
    parseSpeechInput(input);
  } catch (error) {
    if (error instanceof IvhError) return error;
    throw error;
  }
  throw new Error(`no error for ${input}`);
}

describe('parseSpeechInput: plain text', () => {
  it('speaks input without < verbatim, entities and all', () => {
    expect(items('Tom &amp; Jerry say hi.  ')).toEqual([
      { kind: 'speak', text: 'Tom &amp; Jerry say hi.  ', sourceOffset: 0 },
    ]);
  });

  it('has nothing to say for blank input', () => {
    expect(items('')).toEqual([]);
    expect(items(' \n ')).toEqual([]);
  });
});

describe('parseSpeechInput: structure', () => {
  it('reads a <speak> document and trims the text', () => {
    expect(items('<speak> 你好，世界 </speak>')).toEqual([
      { kind: 'speak', text: '你好，世界', sourceOffset: 8 },
    ]);
  });

  it('accepts fragments without a root, and an XML declaration', () => {
    const input = '<?xml version="1.0"?>Hello <break time="300ms"/>world';
    expect(items(input)).toEqual([
      { kind: 'speak', text: 'Hello', sourceOffset: input.indexOf('Hello') },
      { kind: 'pause', ms: 300 },
      { kind: 'speak', text: 'world', sourceOffset: input.indexOf('world') },
    ]);
  });

  it('drops unknown tags but keeps their text, merging it with the text around', () => {
    const input =
      '<speak>Say <prosody rate="fast">hi <emphasis>there</emphasis></prosody> now<audio src="a.wav"/>!</speak>';
    // The map points each stretch of the merged text back at the input, so word offsets skip the dropped tags.
    expect(items(input)).toEqual([
      {
        kind: 'speak',
        text: 'Say hi there now!',
        sourceOffset: 7,
        sourceMap: [
          { textOffset: 0, sourceOffset: 7, verbatim: true },
          { textOffset: 4, sourceOffset: input.indexOf('hi'), verbatim: true },
          { textOffset: 7, sourceOffset: input.indexOf('there'), verbatim: true },
          { textOffset: 12, sourceOffset: input.indexOf(' now'), verbatim: true },
          { textOffset: 16, sourceOffset: input.indexOf('!'), verbatim: true },
        ],
      },
    ]);
  });

  it('skips comments and reads CDATA as text', () => {
    const input = '<speak>A<!-- not <b>said</b> -->B<![CDATA[ <C> & D]]></speak>';
    expect(items(input)).toEqual([
      {
        kind: 'speak',
        text: 'AB <C> & D',
        sourceOffset: 7,
        sourceMap: [
          { textOffset: 0, sourceOffset: 7, verbatim: true },
          { textOffset: 1, sourceOffset: input.indexOf('B'), verbatim: true },
          { textOffset: 2, sourceOffset: input.indexOf(' <C>'), verbatim: true },
        ],
      },
    ]);
  });

  it('decodes named and numeric entities; the offset of decoded text is its entity', () => {
    const input = '<speak>&lt;tag&gt; &amp; &quot;q&quot; &apos;s&apos; &#20320;&#x597D; &#x1F600;</speak>';
    const [item] = items(input);
    expect(item).toMatchObject({ kind: 'speak', text: `<tag> & "q" 's' 你好 😀`, sourceOffset: 7 });
    // Every character of a decoded entity stands for the entity; verbatim text maps one for one.
    expect(item?.kind === 'speak' && item.sourceMap?.slice(0, 3)).toEqual([
      { textOffset: 0, sourceOffset: 7, verbatim: false },
      { textOffset: 1, sourceOffset: input.indexOf('tag'), verbatim: true },
      { textOffset: 4, sourceOffset: input.indexOf('&gt;'), verbatim: false },
    ]);
    expect(items('<speak>  &amp;x</speak>')).toEqual([
      {
        kind: 'speak',
        text: '&x',
        sourceOffset: 9,
        sourceMap: [
          { textOffset: 0, sourceOffset: 9, verbatim: false },
          { textOffset: 1, sourceOffset: 14, verbatim: true },
        ],
      },
    ]);
  });

  it('decodes entities in attribute values', () => {
    expect(items('<sub alias="R&amp;D">RD</sub>')).toEqual([
      {
        kind: 'speak',
        text: 'R&D',
        sourceOffset: 21,
        sourceMap: [{ textOffset: 0, sourceOffset: 21, verbatim: false }],
      },
    ]);
  });

  it('treats tag and attribute names case-insensitively', () => {
    expect(items('<SPEAK><Break Time="1s"/></SPEAK>')).toEqual([{ kind: 'pause', ms: 1000 }]);
  });

  it('keeps UTF-16 offsets past surrogate pairs', () => {
    const input = '😀<break/>好';
    expect(items(input)).toEqual([
      { kind: 'speak', text: '😀', sourceOffset: 0 },
      { kind: 'pause', ms: 250 },
      { kind: 'speak', text: '好', sourceOffset: input.indexOf('好') },
    ]);
  });

  it('gives nothing for an empty document', () => {
    expect(items('<speak>  <!-- nothing --> </speak>')).toEqual([]);
  });
});

describe('parseSpeechInput: break', () => {
  it.each([
    ['100ms', 100],
    ['1s', 1000],
    ['1.5s', 1500],
    [' 250 MS ', 250],
    ['0ms', 0],
    ['12s', 10_000],
    ['-5s', 0],
  ])('time="%s" pauses %d ms (clamped to 0–10 s)', (time, ms) => {
    expect(items(`<break time="${time}"/>`)).toEqual([{ kind: 'pause', ms }]);
  });

  it.each([
    ['x-weak', 0],
    ['weak', 100],
    ['medium', 250],
    ['strong', 500],
    ['x-strong', 800],
  ])('strength="%s" pauses %d ms', (strength, ms) => {
    expect(items(`<break strength="${strength}"/>`)).toEqual([{ kind: 'pause', ms }]);
  });

  it('defaults to medium and prefers time over strength', () => {
    expect(items('<break/><break strength="weak" time="2s"></break>')).toEqual([
      { kind: 'pause', ms: 250 },
      { kind: 'pause', ms: 2000 },
    ]);
  });
});

describe('parseSpeechInput: elements', () => {
  it('reads phoneme pinyin as the pronunciation of its text', () => {
    const input = '<speak>传<phoneme alphabet="py" ph="chuan2">传</phoneme>奇</speak>';
    expect(items(input)).toEqual([
      { kind: 'speak', text: '传', sourceOffset: 7 },
      {
        kind: 'speak',
        text: '传',
        sourceOffset: input.indexOf('>传<', 10) + 1,
        pronunciation: { alphabet: 'py', value: 'chuan2' },
      },
      { kind: 'speak', text: '奇', sourceOffset: input.indexOf('奇') },
    ]);
  });

  it('accepts several syllables, spaced or run together, and a neutral tone', () => {
    expect(items('<phoneme alphabet="py" ph="ni3hao3 ma5">你好吗</phoneme>')[0]).toMatchObject({
      pronunciation: { alphabet: 'py', value: 'ni3 hao3 ma5' },
    });
  });

  it('keeps the text but no pronunciation for an alphabet it cannot use', () => {
    const input = '<phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme>';
    expect(items(input)).toEqual([{ kind: 'speak', text: 'tomato', sourceOffset: input.indexOf('tomato') }]);
  });

  it('makes <word> its own item, with its actions ahead of it', () => {
    const input = '我们<word>上<insert-action type="nod"/>海</word>见';
    expect(items(input)).toEqual([
      { kind: 'speak', text: '我们', sourceOffset: 0 },
      { kind: 'action', action: 'nod' },
      {
        kind: 'speak',
        text: '上海',
        sourceOffset: input.indexOf('上'),
        sourceMap: [
          { textOffset: 0, sourceOffset: input.indexOf('上'), verbatim: true },
          { textOffset: 1, sourceOffset: input.indexOf('海'), verbatim: true },
        ],
      },
      { kind: 'speak', text: '见', sourceOffset: input.indexOf('见') },
    ]);
  });

  it('speaks the alias of <sub>, located at the element content', () => {
    const input = '用<sub alias="语音合成"> TTS<insert-action type="point"/></sub>说';
    expect(items(input)).toEqual([
      { kind: 'speak', text: '用', sourceOffset: 0 },
      { kind: 'action', action: 'point' },
      {
        kind: 'speak',
        text: '语音合成',
        sourceOffset: input.indexOf('TTS'),
        sourceMap: [{ textOffset: 0, sourceOffset: input.indexOf('TTS'), verbatim: false }],
      },
      { kind: 'speak', text: '说', sourceOffset: input.indexOf('说') },
    ]);
  });

  it('reads insert-action from type, name or action', () => {
    expect(
      items(
        '<insert-action type="2hands_forward1"/><insert-action name="wave"/><insert-action action="nod"></insert-action>',
      ),
    ).toEqual([
      { kind: 'action', action: '2hands_forward1' },
      { kind: 'action', action: 'wave' },
      { kind: 'action', action: 'nod' },
    ]);
  });

  it('separates text runs at actions', () => {
    const input = 'Hello <insert-action type="wave"/> there';
    expect(items(input)).toEqual([
      { kind: 'speak', text: 'Hello', sourceOffset: 0 },
      { kind: 'action', action: 'wave' },
      { kind: 'speak', text: 'there', sourceOffset: input.indexOf('there') },
    ]);
  });
});

describe('parseSpeechInput: say-as', () => {
  const sayAs = (kind: string, text: string, around = '', language?: 'en' | 'zh') =>
    items(`${around}<say-as interpret-as="${kind}">${text}</say-as>`, language).at(-1);

  it.each([
    ['cardinal', '1234', 'one thousand two hundred thirty-four', '一千二百三十四'],
    ['cardinal', '-3.14', 'minus three point one four', '负三点一四'],
    ['ordinal', '3', 'third', '第三'],
    ['digits', '1234', 'one two three four', '一二三四'],
    [
      'telephone',
      '13812345678',
      'one three eight, one two three four, five six seven eight',
      '幺三八，幺二三四，五六七八',
    ],
    [
      'telephone',
      '010-12345678',
      'zero one zero, one two three four five six seven eight',
      '零幺零，幺二三四五六七八',
    ],
    ['date', '2024-07-19', 'July nineteenth, twenty twenty-four', '二零二四年七月十九日'],
    ['date', '2024/07/19', 'July nineteenth, twenty twenty-four', '二零二四年七月十九日'],
    ['time', '10:30', 'ten thirty', '十点三十分'],
    ['characters', 'ABC', 'A B C', 'A B C'],
  ])('%s %s → "%s" / "%s"', (kind, text, english, chinese) => {
    expect(sayAs(kind, text, '', 'en')).toMatchObject({ text: english });
    expect(sayAs(kind, text, '', 'zh')).toMatchObject({ text: chinese });
  });

  it.each(['address', 'id', 'punctuation', 'measure', 'currency', 'unheard-of'])(
    'speaks %s content as written',
    (kind) => {
      expect(sayAs(kind, ' 5kg ')).toMatchObject({ text: '5kg' });
    },
  );

  it('speaks content that does not fit its kind as written', () => {
    expect(sayAs('date', 'tomorrow')).toMatchObject({ text: 'tomorrow' });
    expect(sayAs('cardinal', '12abc')).toMatchObject({ text: '12abc' });
  });

  it('reads Chinese when the content or the text around it has CJK, English otherwise', () => {
    expect(sayAs('cardinal', '20')).toMatchObject({ text: 'twenty' });
    expect(sayAs('cardinal', '20', '一共')).toMatchObject({ text: '二十' });
    expect(sayAs('date', '2024年7月19日')).toMatchObject({ text: '二零二四年七月十九日' });
  });

  it('follows xml:lang, and the language option over it', () => {
    const input = '<speak xml:lang="zh-CN"><say-as interpret-as="cardinal">7</say-as></speak>';
    expect(items(input)).toEqual([
      {
        kind: 'speak',
        text: '七',
        sourceOffset: input.indexOf('7'),
        sourceMap: [{ textOffset: 0, sourceOffset: input.indexOf('7'), verbatim: false }],
      },
    ]);
    expect(items(input, 'en')).toMatchObject([{ text: 'seven' }]);
  });

  it('locates the reading at the content', () => {
    const input = 'Call <say-as interpret-as="digits"> 42</say-as>.';
    expect(items(input)).toEqual([
      { kind: 'speak', text: 'Call', sourceOffset: 0 },
      // A reading stands for its content as a whole: each of its words points at the content.
      {
        kind: 'speak',
        text: 'four two',
        sourceOffset: input.indexOf('42'),
        sourceMap: [{ textOffset: 0, sourceOffset: input.indexOf('42'), verbatim: false }],
      },
      { kind: 'speak', text: '.', sourceOffset: input.indexOf('.') },
    ]);
  });
});

describe('parseSpeechInput: errors name the problem and its position', () => {
  it.each([
    ['<speak>hello', 'unclosed tag <speak> at line 1, column 1 (offset 0)'],
    [
      '<speak><p>hi</speak>',
      'mismatched closing tag </speak>: expected </p> for the tag opened at line 1, column 8 at line 1, column 13 (offset 12)',
    ],
    [
      '<speak>\n  <p>hi</s>\n</speak>',
      'mismatched closing tag </s>: expected </p> for the tag opened at line 2, column 3 at line 2, column 8 (offset 15)',
    ],
    ['hi</speak>', 'closing tag </speak> has no opening tag at line 1, column 3 (offset 2)'],
    [
      'a < b <break/>',
      "'<' does not start a tag (write a literal '<' as &lt;) at line 1, column 3 (offset 2)",
    ],
    [
      '<speak>1 <2</speak>',
      "'<' does not start a tag (write a literal '<' as &lt;) at line 1, column 10 (offset 9)",
    ],
    [
      '<break time=1s/>',
      "bad attribute syntax in <break>: the value of 'time' must be quoted at line 1, column 13 (offset 12)",
    ],
    [
      '<break time/>',
      "bad attribute syntax in <break>: attribute 'time' has no '=' and value at line 1, column 12 (offset 11)",
    ],
    [
      '<break time="1s"strength="weak"/>',
      'bad attribute syntax in <break>: expected a space before the attribute at line 1, column 17 (offset 16)',
    ],
    [
      '<break time="1s" time="2s"/>',
      "bad attribute syntax in <break>: duplicate attribute 'time' at line 1, column 18 (offset 17)",
    ],
    [
      '<sub alias="a<b">x</sub>',
      "bad attribute syntax in <sub>: '<' in the value of 'alias' (write it as &lt;) at line 1, column 14 (offset 13)",
    ],
    [
      '<sub alias="ab',
      "bad attribute syntax in <sub>: unterminated value of 'alias' at line 1, column 12 (offset 11)",
    ],
    ['<break time="1s"', 'unterminated tag <break> at line 1, column 1 (offset 0)'],
    ['<break/ >', "expected '>' after '/' in <break> at line 1, column 7 (offset 6)"],
    ['<speak>a</speak', 'unterminated closing tag </speak> at line 1, column 9 (offset 8)'],
    [
      '<speak>Tom & Jerry</speak>',
      "unterminated entity (a literal '&' must be written &amp;) at line 1, column 12 (offset 11)",
    ],
    [
      '<speak>&amp</speak>',
      "unterminated entity (a literal '&' must be written &amp;) at line 1, column 8 (offset 7)",
    ],
    ['<speak>&nbsp;</speak>', "unknown entity '&nbsp;' at line 1, column 8 (offset 7)"],
    ['<speak>&#xD800;</speak>', "invalid character reference '&#xD800;' at line 1, column 8 (offset 7)"],
    ['<speak><!-- open</speak>', 'unterminated comment at line 1, column 8 (offset 7)'],
    [
      '<!DOCTYPE speak><speak/>',
      'unsupported declaration (only comments and CDATA may start with <!) at line 1, column 1 (offset 0)',
    ],
    [
      '<break time="100"/>',
      'invalid break time "100" (expected e.g. 500ms or 1.5s) at line 1, column 14 (offset 13)',
    ],
    [
      '<break time="1 sec"/>',
      'invalid break time "1 sec" (expected e.g. 500ms or 1.5s) at line 1, column 14 (offset 13)',
    ],
    [
      '<break strength="loud"/>',
      'invalid break strength "loud" (expected x-weak, weak, medium, strong or x-strong) at line 1, column 18 (offset 17)',
    ],
    ['<break time="1s">x</break>', '<break> must be empty at line 1, column 18 (offset 17)'],
    [
      '<phoneme alphabet="py" ph="chuan2 qi2">传</phoneme>',
      '<phoneme> has 2 pinyin syllable(s) for 1 character(s) at line 1, column 28 (offset 27)',
    ],
    [
      '<phoneme alphabet="py" ph="ni3 hao">你好</phoneme>',
      'invalid pinyin "hao" in <phoneme> (each syllable needs a tone digit 1–5, e.g. chuan2) at line 1, column 32 (offset 31)',
    ],
    ['<phoneme alphabet="py" ph="chuan6">传</phoneme>', 'invalid pinyin "chuan6"'],
    ['<phoneme alphabet="py">传</phoneme>', '<phoneme> needs a ph attribute at line 1, column 1 (offset 0)'],
    ['<sub>TTS</sub>', '<sub> needs an alias attribute at line 1, column 1 (offset 0)'],
    ['<insert-action/>', '<insert-action> needs a type attribute at line 1, column 1 (offset 0)'],
    [
      '<say-as interpret-as="digits">1<break/>2</say-as>',
      '<break> is not allowed inside <say-as> at line 1, column 32 (offset 31)',
    ],
    ['<word>a<word>b</word></word>', '<word> is not allowed inside <word> at line 1, column 8 (offset 7)'],
    [
      '<phoneme ph="a1">啊<insert-action type="x"/></phoneme>',
      '<insert-action> is not allowed inside <phoneme>',
    ],
  ])('%s', (input, message) => {
    const error = errorOf(input);
    expect(error.code).toBe(ERRORS.INVALID_PARAMETER.code);
    expect(error.detail).toContain(`SSML ${message}`);
  });

  it('counts lines after \\r\\n and lone \\r', () => {
    expect(errorOf('<speak>\r\n\r<x>').detail).toBe('SSML unclosed tag <x> at line 3, column 1 (offset 10)');
  });
});
