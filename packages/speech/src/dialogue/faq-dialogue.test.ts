import type { DialogueChunk, DialogueRequest } from '@dhuman/core';
import { describe, expect, it } from 'vitest';
import { builtinFaqPath } from './builtin-faq.js';
import { FaqDialogue } from './faq-dialogue.js';
import { parseFaq } from './faq-knowledge.js';

const KNOWLEDGE = parseFaq(
  `
fallback: Sorry, I don't know that yet.
intents:
  - id: hours
    questions: [What are your opening hours?, When are you open?]
    answer: We open at nine.
  - id: joke
    questions: [Tell me a joke]
    answer: <speak>Why? <break time="500ms"/> Because!</speak>
    uninterruptible: true
  - id: exit
    questions: [Where is the exit?]
    answer: At the back.
    muted: true
`,
  'yaml',
  'test.yaml',
);

const ask = (question: string, signal = new AbortController().signal): DialogueRequest => ({
  question,
  history: [],
  signal,
});

async function reply(engine: FaqDialogue, request: DialogueRequest): Promise<DialogueChunk[]> {
  const chunks: DialogueChunk[] = [];
  for await (const chunk of engine.reply(request)) chunks.push(chunk);
  return chunks;
}

describe('FaqDialogue', () => {
  const engine = new FaqDialogue(KNOWLEDGE);

  it('answers a matching question with one text chunk', async () => {
    expect(engine.label).toBe('faq');
    expect(await reply(engine, ask('when do you open?'))).toEqual([
      { kind: 'text', text: 'We open at nine.' },
    ]);
  });

  it('answers SSML as one ssml chunk with its display text and delivery flags', async () => {
    expect(await reply(engine, ask('tell me a joke please'))).toEqual([
      {
        kind: 'ssml',
        ssml: '<speak>Why? <break time="500ms"/> Because!</speak>',
        display: 'Why?  Because!',
        uninterruptible: true,
      },
    ]);
    expect(await reply(engine, ask('where is the exit'))).toEqual([
      { kind: 'text', text: 'At the back.', muted: true },
    ]);
  });

  it('answers the fallback when nothing matches', async () => {
    expect(engine.fallbackAnswer).toBe("Sorry, I don't know that yet.");
    expect(await reply(engine, ask('What is the capital of France?'))).toEqual([
      { kind: 'text', text: "Sorry, I don't know that yet." },
    ]);
  });

  it('yields nothing once aborted', async () => {
    expect(await reply(engine, ask('When are you open?', AbortSignal.abort()))).toEqual([]);
  });

  it('refuses questions after close()', async () => {
    const closed = new FaqDialogue(KNOWLEDGE);
    closed.close();
    await expect(reply(closed, ask('hi'))).rejects.toThrow('faq is closed');
  });
});

describe('the built-in assistant FAQ', () => {
  it('loads and answers typical questions', async () => {
    const engine = await FaqDialogue.fromFile(builtinFaqPath());
    const idOf = (question: string) => engine.matcher.match(question)?.intent.id;
    expect(engine.knowledge.intents.length).toBeGreaterThanOrEqual(15);
    expect(engine.knowledge.intents.length).toBeLessThanOrEqual(30);
    expect(idOf('Hi!')).toBe('greeting');
    expect(idOf('Hi, could you tell me when the shop opens?')).toBe('shop-hours');
    expect(idOf('where can I find your shop')).toBe('shop-location');
    expect(idOf('how much is a tea')).toBe('prices');
    expect(idOf('do you send my voice to the internet?')).toBe('privacy');
    expect(idOf('how do I make you stop talking')).toBe('how-to-stop');
    expect(idOf('你们几点开门')).toBe('zh-shop-hours');
    expect(idOf('dhuman支持中文吗')).toBe('languages');
    expect(idOf('What is the weather like in Paris?')).toBeUndefined();
    const [joke] = await reply(engine, ask('Tell me a joke'));
    expect(joke).toMatchObject({ kind: 'ssml', ssml: expect.stringContaining('<break') });
  });

  it('refuses unknown built-in names', () => {
    expect(() => builtinFaqPath('nope')).toThrow(/no built-in knowledge file "nope"/);
  });
});
