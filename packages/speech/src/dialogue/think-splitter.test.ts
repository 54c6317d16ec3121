import { describe, expect, it } from 'vitest';
import { ThinkSplitter, type ThinkPiece } from './think-splitter.js';

function split(pieces: string[]): { text: string; reasoning: string } {
  const splitter = new ThinkSplitter();
  const out: ThinkPiece[] = [...pieces.flatMap((piece) => splitter.push(piece)), ...splitter.end()];
  return {
    text: out.map((piece) => (piece.kind === 'text' ? piece.text : '')).join(''),
    reasoning: out.map((piece) => (piece.kind === 'reasoning' ? piece.text : '')).join(''),
  };
}

describe('ThinkSplitter', () => {
  it('passes an answer without a think block through', () => {
    expect(split(['Hello', ' there.'])).toEqual({ text: 'Hello there.', reasoning: '' });
  });

  it('moves a leading think block to reasoning and drops the blank line after it', () => {
    expect(split(['<think>Plan.</think>\n\nAnswer.'])).toEqual({ text: 'Answer.', reasoning: 'Plan.' });
  });

  it('finds tags split at every position', () => {
    const whole = '\n<think>a<b</think>\nAnswer <think> stays.';
    for (let cut = 1; cut < whole.length; cut++) {
      expect(split([whole.slice(0, cut), whole.slice(cut)])).toEqual({
        text: 'Answer <think> stays.',
        reasoning: 'a<b',
      });
    }
  });

  it('streams reasoning while the block is open, holding back only a possible closing tag', () => {
    const splitter = new ThinkSplitter();
    expect(splitter.push('<think>one two </thi')).toEqual([{ kind: 'reasoning', text: 'one two ' }]);
    expect(splitter.push('nk>Done')).toEqual([{ kind: 'text', text: 'Done' }]);
  });

  it('keeps an unclosed block as reasoning, and a lone "<" as text', () => {
    expect(split(['<think>never closed'])).toEqual({ text: '', reasoning: 'never closed' });
    expect(split(['<'])).toEqual({ text: '<', reasoning: '' });
    expect(split(['<b>bold</b>'])).toEqual({ text: '<b>bold</b>', reasoning: '' });
  });
});
