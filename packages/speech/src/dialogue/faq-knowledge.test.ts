import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaqFileError, loadFaqFile, parseFaq } from './faq-knowledge.js';
import { FAQ_LIMITS } from './faq-schema.js';

const VALID = `
fallback: Sorry, I don't know.
intents:
  - id: hours
    questions: ["When are you open?"]
    answer: We open at nine.
`;

/** The FaqFileError message for a YAML text, or undefined when it parses. */
function problem(text: string, format: 'yaml' | 'json' = 'yaml'): string | undefined {
  try {
    parseFaq(text, format, 'faq.yaml');
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(FaqFileError);
    return (error as Error).message;
  }
}

describe('parseFaq', () => {
  it('reads a minimal file with defaults', () => {
    expect(parseFaq(VALID, 'yaml', 'faq.yaml')).toEqual({
      source: 'faq.yaml',
      language: 'en-US',
      fallback: "Sorry, I don't know.",
      threshold: 0.35,
      intents: [
        {
          id: 'hours',
          questions: ['When are you open?'],
          answer: { kind: 'text', text: 'We open at nine.' },
          uninterruptible: false,
          muted: false,
        },
      ],
    });
  });

  it('reads JSON, SSML answers with their display text, flags and options', () => {
    const json = JSON.stringify({
      language: 'zh-CN',
      fallback: '不知道。',
      threshold: 0.5,
      intents: [
        {
          id: 'hi',
          questions: ['你好'],
          answer: '<speak>您好！<break time="300ms"/>欢迎&amp;光临。</speak>',
          uninterruptible: true,
          muted: true,
        },
      ],
    });
    const knowledge = parseFaq(json, 'json', 'faq.json');
    expect(knowledge).toMatchObject({ language: 'zh-CN', threshold: 0.5 });
    expect(knowledge.intents[0]).toMatchObject({
      answer: {
        kind: 'ssml',
        ssml: '<speak>您好！<break time="300ms"/>欢迎&amp;光临。</speak>',
        display: '您好！欢迎&光临。',
      },
      uninterruptible: true,
      muted: true,
    });
  });

  it('names the line of a YAML syntax error', () => {
    expect(problem('fallback: x\nintents:\n  - id: a\n   questions: [b\n')).toMatch(
      /^faq\.yaml: YAML syntax error at line 4, column \d+: /,
    );
  });

  it('reports a JSON syntax error on one line', () => {
    expect(problem('{\n  "fallback": "x",\n  "intents": [,]\n}', 'json')).toMatch(
      /^faq\.yaml: JSON syntax error: [^\n]*Unexpected token/,
    );
    // Where V8 gives an offset, the line and column are added.
    expect(problem('{\n  "fallback": "x",\n}', 'json')).toMatch(/at position 21 \(line 3, column 1\)$/);
  });

  it('requires the fallback', () => {
    expect(problem(VALID.replace("fallback: Sorry, I don't know.", ''))).toBe(
      'faq.yaml: fallback: is required',
    );
  });

  it('refuses a duplicate id, naming both intents', () => {
    const text = `${VALID}
  - id: other
    questions: [Where are you?]
    answer: Here.
  - id: hours
    questions: [What time?]
    answer: Nine.
`;
    expect(problem(text)).toBe('faq.yaml: intents[2].id: duplicate id "hours" (first used by intents[0])');
  });

  it('refuses too many intents', () => {
    const intents = Array.from({ length: FAQ_LIMITS.intents + 1 }, (_, i) => ({
      id: `i${i}`,
      questions: [`question ${i}`],
      answer: 'Yes.',
    }));
    expect(problem(JSON.stringify({ fallback: 'x', intents }), 'json')).toBe(
      `faq.yaml: intents: has more than ${FAQ_LIMITS.intents} intents`,
    );
  });

  it('names the path of field problems', () => {
    const long = 'x'.repeat(FAQ_LIMITS.questionChars + 1);
    expect(problem(VALID.replace('"When are you open?"', `"ok", "${long}"`))).toBe(
      `faq.yaml: intents[0].questions[1]: must be at most ${FAQ_LIMITS.questionChars} characters`,
    );
    expect(problem(VALID.replace('["When are you open?"]', '[]'))).toBe(
      'faq.yaml: intents[0].questions: needs at least one example question',
    );
    expect(problem(VALID.replace('["When are you open?"]', '["?!"]'))).toBe(
      'faq.yaml: intents[0].questions[0]: has no words to match a question against',
    );
    expect(problem(VALID.replace('id: hours', 'id: "has space"'))).toMatch(
      /^faq\.yaml: intents\[0\]\.id: must be/,
    );
    expect(problem(VALID.replace('answer:', 'answr:'))).toBe(
      'faq.yaml: intents[0]: unknown field "answr" (and 1 more problem)',
    );
    expect(problem(`${VALID}threshold: 2\n`)).toBe('faq.yaml: threshold: must be a number between 0 and 1');
    expect(problem(`language: fr-FR\n${VALID}`)).toBe('faq.yaml: language: must be one of en-US, zh-CN');
    expect(problem('- just a list')).toBe(
      'faq.yaml: must be a mapping with fallback and intents at the top level',
    );
  });

  it('checks SSML answers and refuses markup in plain text', () => {
    expect(problem(VALID.replace('We open at nine.', '"<speak>Nine <break time=\'1s\'></speak>"'))).toMatch(
      /^faq\.yaml: intents\[0\]\.answer: SSML .*line 1/,
    );
    expect(problem(VALID.replace('We open at nine.', '"Open <b>now</b>"'))).toMatch(
      /intents\[0\]\.answer: contains "<"/,
    );
    expect(problem(VALID.replace("Sorry, I don't know.", '"<speak>Sorry</speak>"'))).toMatch(
      /^faq\.yaml: fallback: must be plain text/,
    );
    expect(problem(VALID.replace('We open at nine.', '"<speak><break time=\'1s\'/></speak>"'))).toMatch(
      /no text to show or speak/,
    );
  });
});

describe('loadFaqFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dhuman-faq-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads YAML and JSON by extension', async () => {
    await writeFile(join(dir, 'a.yml'), VALID);
    const json = { fallback: 'Sorry.', intents: [{ id: 'x', questions: ['Hello'], answer: 'Hi.' }] };
    await writeFile(join(dir, 'b.json'), JSON.stringify(json));
    await expect(loadFaqFile(join(dir, 'a.yml'))).resolves.toMatchObject({ source: 'a.yml' });
    await expect(loadFaqFile(join(dir, 'b.json'))).resolves.toMatchObject({
      source: 'b.json',
      fallback: 'Sorry.',
    });
  });

  it('names the file in every error', async () => {
    await expect(loadFaqFile(join(dir, 'missing.yaml'))).rejects.toThrow(
      'missing.yaml: cannot be read: no such file',
    );
    await expect(loadFaqFile(join(dir, 'faq.txt'))).rejects.toThrow(/faq\.txt: .* \.yaml, \.yml or \.json/);
    await writeFile(join(dir, 'huge.yaml'), Buffer.alloc(FAQ_LIMITS.fileBytes + 1, 0x20));
    await expect(loadFaqFile(join(dir, 'huge.yaml'))).rejects.toThrow(/^huge\.yaml: is \d+ bytes/);
    await writeFile(join(dir, 'bad.yaml'), 'fallback: [\n');
    await expect(loadFaqFile(join(dir, 'bad.yaml'))).rejects.toThrow(
      /^bad\.yaml: YAML syntax error at line 2/,
    );
  });
});
