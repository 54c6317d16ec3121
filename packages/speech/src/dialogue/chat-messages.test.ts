import { describe, expect, it } from 'vitest';
import { chatMessages } from './chat-messages.js';

const turns = (n: number) => Array.from({ length: n }, (_, i) => ({ question: `q${i}`, answer: `a${i}` }));

describe('chatMessages', () => {
  it('puts the system prompt first and the question last', () => {
    expect(chatMessages('Be brief.', [], 'Hi', { maxTurns: 8, maxChars: 8000 })).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(chatMessages('  ', [], 'Hi', { maxTurns: 8, maxChars: 8000 })).toEqual([
      { role: 'user', content: 'Hi' },
    ]);
  });

  it('keeps the newest turns within the turn bound, oldest first', () => {
    const messages = chatMessages(undefined, turns(5), 'now', { maxTurns: 2, maxChars: 8000 });
    expect(messages.map((m) => m.content)).toEqual(['q3', 'a3', 'q4', 'a4', 'now']);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
  });

  it('keeps the newest turns within the character bound', () => {
    // Each turn is 4 characters; 10 allow two.
    const messages = chatMessages(undefined, turns(5), 'now', { maxTurns: 8, maxChars: 10 });
    expect(messages.map((m) => m.content)).toEqual(['q3', 'a3', 'q4', 'a4', 'now']);
    expect(chatMessages(undefined, turns(5), 'now', { maxTurns: 8, maxChars: 0 })).toHaveLength(1);
  });

  it('leaves out turns without an answer so roles keep alternating', () => {
    const history = [
      { question: 'q0', answer: 'a0' },
      { question: 'interrupted', answer: '' },
    ];
    const messages = chatMessages(undefined, history, 'now', { maxTurns: 8, maxChars: 8000 });
    expect(messages.map((m) => m.content)).toEqual(['q0', 'a0', 'now']);
  });
});
