import { describe, expect, it } from 'vitest';
import { parseSpeechInput } from '../ssml/parse-ssml.js';
import { stripSsmlTags } from '../ssml/strip-tags.js';
import { SentenceSplitter, type SentenceSplitterOptions } from './sentence-splitter.js';

/** What each push returned, then what flush returned. */
function run(
  fragments: string[],
  options?: SentenceSplitterOptions,
): { pushed: string[][]; flushed: string[] } {
  const splitter = new SentenceSplitter(options);
  const pushed = fragments.map((f) => splitter.push(f));
  return { pushed, flushed: splitter.flush() };
}

/** All sentences of a stream, in order. */
function sentences(fragments: string[], options?: SentenceSplitterOptions): string[] {
  const { pushed, flushed } = run(fragments, options);
  return [...pushed.flat(), ...flushed];
}

const NO_EARLY_CLAUSE = { firstClauseMinChars: Infinity };

describe('SentenceSplitter: sentence ends', () => {
  it('releases each sentence as soon as it is known complete', () => {
    expect(run(['Hello there. How are', ' you? I am fine!'], NO_EARLY_CLAUSE)).toEqual({
      pushed: [['Hello there.'], ['How are you?']],
      flushed: ['I am fine!'],
    });
  });

  it('joins fragments cut mid-word', () => {
    expect(sentences(['Hel', 'lo wor', 'ld. Ne', 'xt one.'])).toEqual(['Hello world.', 'Next one.']);
  });

  it('splits Chinese without spaces', () => {
    expect(run(['你好', '！我是数字', '人。今天天气', '很好？'])).toEqual({
      pushed: [[], ['你好！'], ['我是数字人。'], []],
      flushed: ['今天天气很好？'],
    });
  });

  it.each([
    ['Really?! Yes.', ['Really?!', 'Yes.']],
    ['First; second.', ['First;', 'second.']],
    ['好的……我想想。', ['好的……', '我想想。']],
    ['对；不对。', ['对；', '不对。']],
    ['Hello.你好。', ['Hello.', '你好。']],
    ['Wait... What?', ['Wait...', 'What?']],
    ['Well… maybe not. OK', ['Well… maybe not.', 'OK']],
  ])('%s', (text, expected) => {
    expect(sentences([text], NO_EARLY_CLAUSE)).toEqual(expected);
  });

  it('treats a newline as a boundary and drops blank lines', () => {
    expect(sentences(['Title\n\n', 'Body text\nmore'])).toEqual(['Title', 'Body text', 'more']);
  });

  it('keeps closing quotes and brackets with the sentence', () => {
    expect(sentences(['She said "Hi." Then (she left.) Done'])).toEqual([
      'She said "Hi."',
      'Then (she left.)',
      'Done',
    ]);
    expect(sentences(['他说：“好的。”然后走了。'])).toEqual(['他说：“好的。”', '然后走了。']);
  });

  it('waits for a closing quote that may come in the next fragment', () => {
    expect(run(['他说：“好的。', '”然后走了。'])).toEqual({
      pushed: [[], ['他说：“好的。”']],
      flushed: ['然后走了。'],
    });
  });

  it('drops sentences of only punctuation and spaces', () => {
    expect(sentences(['Hi. ... !! 。', '  ', '？'])).toEqual(['Hi.']);
  });
});

describe('SentenceSplitter: what does not end a sentence', () => {
  it('a decimal point, even split across fragments', () => {
    expect(run(['Pi is 3.', '14 roughly. Ok'])).toEqual({
      pushed: [[], ['Pi is 3.14 roughly.']],
      flushed: ['Ok'],
    });
  });

  it('a title before a name split across fragments', () => {
    expect(run(['Hello Mr.', ' Smith. Bye'])).toEqual({
      pushed: [[], ['Hello Mr. Smith.']],
      flushed: ['Bye'],
    });
  });

  it.each([
    ['Dr. Who and Prof. X met St. John.', ['Dr. Who and Prof. X met St. John.']],
    ['Fruit, e.g. apples. Then', ['Fruit, e.g. apples.', 'Then']],
    ['She moved to the U.S. Last year.', ['She moved to the U.S. Last year.']],
    ['J. K. Rowling wrote it. Yes', ['J. K. Rowling wrote it.', 'Yes']],
    ['It costs approx. five dollars. Ok', ['It costs approx. five dollars.', 'Ok']],
    ['Wait... what was that? Hmm', ['Wait... what was that?', 'Hmm']],
    ['He came 1st. Then', ['He came 1st.', 'Then']],
    ['1. Buy milk\n2. Eat it.', ['1. Buy milk', '2. Eat it.']],
  ])('%s', (text, expected) => {
    expect(sentences([text], NO_EARLY_CLAUSE)).toEqual(expected);
  });

  it('URLs and e-mail addresses', () => {
    expect(
      sentences(
        ['Visit https://example.com/a.b?x=1&y=2 now. Mail a.b@example.co.uk. Thanks'],
        NO_EARLY_CLAUSE,
      ),
    ).toEqual(['Visit https://example.com/a.b?x=1&y=2 now.', 'Mail a.b@example.co.uk.', 'Thanks']);
  });
});

describe('SentenceSplitter: long runs and the first clause', () => {
  it('releases the first clause at a comma once it is long enough', () => {
    expect(run(['你好，我是你的数字人助手，很高兴', '认识你，今天天气很好，我们出去玩吧。'])).toEqual({
      // The 。 at the very end waits for a possible closing quote until flush.
      pushed: [['你好，我是你的数字人助手，'], []],
      flushed: ['很高兴认识你，今天天气很好，我们出去玩吧。'],
    });
    expect(sentences(['Well, thank you very much, I am fine. Bye'])).toEqual([
      'Well, thank you very much,',
      'I am fine.',
      'Bye',
    ]);
  });

  it('does not take a thousands separator for a comma', () => {
    expect(sentences(['It costs 1,000,000 dollars, which is a lot.'])).toEqual([
      'It costs 1,000,000 dollars,',
      'which is a lot.',
    ]);
  });

  it('is armed again after flush, and can be turned off', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Well, my friends, hello, ')).toEqual(['Well, my friends,']);
    expect(splitter.flush()).toEqual(['hello,']);
    expect(splitter.push('Now, my friends, ')).toEqual(['Now, my friends,']);
    expect(sentences(['Well, my friends, hello.'], NO_EARLY_CLAUSE)).toEqual(['Well, my friends, hello.']);
  });

  it('cuts a long English run at its last comma, or at a space', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const [first, ...rest] = sentences([words], NO_EARLY_CLAUSE);
    expect(first?.length).toBeLessThanOrEqual(121);
    expect(first?.length).toBeGreaterThan(100);
    expect([first, ...rest].join(' ')).toBe(words);

    const withComma = `${'a'.repeat(70)}, ${'b '.repeat(40)}end`;
    expect(sentences([withComma], NO_EARLY_CLAUSE)[0]).toBe(`${'a'.repeat(70)},`);
  });

  it('cuts a long Chinese run at a comma, or hard at the limit', () => {
    const clause = '天'.repeat(70);
    expect(sentences([`${clause}，${'地'.repeat(60)}`], NO_EARLY_CLAUSE)).toEqual([
      `${clause}，`,
      '地'.repeat(60),
    ]);
    expect(sentences(['字'.repeat(450)], NO_EARLY_CLAUSE)).toEqual([
      '字'.repeat(200),
      '字'.repeat(200),
      '字'.repeat(50),
    ]);
  });

  it('follows the length options', () => {
    expect(sentences(['one two three four five six'], { maxChars: 10, ...NO_EARLY_CLAUSE })).toEqual([
      'one two',
      'three four',
      'five six',
    ]);
  });

  it('rejects inconsistent options', () => {
    expect(() => new SentenceSplitter({ maxChars: 100, hardMaxChars: 50 })).toThrow(RangeError);
    expect(() => new SentenceSplitter({ firstClauseMinChars: 0 })).toThrow(RangeError);
  });
});

describe('SentenceSplitter: surrogate pairs and emoji', () => {
  const wellFormed = (s: string) =>
    !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

  it('joins a surrogate pair split across fragments', () => {
    expect(sentences(['Hi \uD83D', '\uDE00. Bye'])).toEqual(['Hi 😀.', 'Bye']);
  });

  it('never cuts inside a pair or an emoji sequence', () => {
    const family = '👨‍👩‍👧';
    const text = `${'😀'.repeat(7)}${family}${'好'.repeat(5)}`;
    const out = sentences([...text], { maxChars: 10, hardMaxChars: 15 });
    expect(out.join('')).toBe(text);
    expect(out.every(wellFormed)).toBe(true);
    expect(out.some((s) => s.includes(family))).toBe(true);
  });
});

describe('SentenceSplitter: insert-action tags in fragments', () => {
  it('keeps an action at its place as SSML', () => {
    expect(run(['<insert-action type="wave"/>Hel', 'lo th', 'ere. How', ' are you?'])).toEqual({
      pushed: [[], [], ['<speak><insert-action type="wave"/>Hello there.</speak>'], []],
      flushed: ['How are you?'],
    });
  });

  it('waits for a tag split across fragments, and skips its spaces and dots', () => {
    expect(run(['Hi <insert-ac', 'tion type="wa.ve"', '/>there. Bye'])).toEqual({
      pushed: [[], [], ['<speak>Hi <insert-action type="wa.ve"/>there.</speak>']],
      flushed: ['Bye'],
    });
  });

  it('puts an action after a sentence end into the next sentence', () => {
    expect(sentences(['Hello.<insert-action type="nod"/>Next one. '])).toEqual([
      'Hello.',
      '<speak><insert-action type="nod"/>Next one.</speak>',
    ]);
  });

  it('accepts name= and action=, drops closing tags and tags without an action', () => {
    expect(
      sentences([
        '<insert-action name="a"></insert-action>One. <INSERT-ACTION action="b"/>Two. <insert-action foo="x"/>Three.',
      ]),
    ).toEqual([
      '<speak><insert-action type="a"/>One.</speak>',
      '<speak><insert-action type="b"/>Two.</speak>',
      'Three.',
    ]);
  });

  it('keeps an action with nothing left to say', () => {
    expect(sentences(['Bye.<insert-action type="bow"/>'])).toEqual([
      'Bye.',
      '<speak><insert-action type="bow"/></speak>',
    ]);
  });

  it('speaks a literal < and & through the SSML it produces', () => {
    const out = sentences(['1 < 2 & 3 > 2. AT&T <b>rocks</b>.']);
    expect(out).toEqual([
      '<speak>1 &lt; 2 &amp; 3 &gt; 2.</speak>',
      '<speak>AT&amp;T &lt;b&gt;rocks&lt;/b&gt;.</speak>',
    ]);
    expect(out.map(stripSsmlTags)).toEqual(['1 < 2 & 3 > 2.', 'AT&T <b>rocks</b>.']);
  });

  it('takes an unfinished tag at the end of the stream literally', () => {
    expect(sentences(['Bye <insert-act'])).toEqual(['<speak>Bye &lt;insert-act</speak>']);
  });

  it('produces sentences parseSpeechInput reads with the action in place', () => {
    const [sentence = ''] = sentences(['你好<insert-action type="wave"/>，欢迎光临。']);
    expect(parseSpeechInput(sentence).items).toEqual([
      { kind: 'speak', text: '你好', sourceOffset: 7 },
      { kind: 'action', action: 'wave' },
      { kind: 'speak', text: '，欢迎光临。', sourceOffset: sentence.indexOf('，') },
    ]);
  });
});
