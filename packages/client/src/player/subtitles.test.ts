import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Subtitles, type WordEvent } from './subtitles.js';

// A test-only sliver of the DOM: just what Subtitles calls.
class FakeSpan {
  readonly tagName = 'SPAN';
  textContent = '';
  className = '';
  readonly classList = {
    toggle: (name: string, on: boolean) => {
      const names = new Set(this.className.split(' ').filter(Boolean));
      if (on) names.add(name);
      else names.delete(name);
      this.className = [...names].join(' ');
      return on;
    },
  };
}

class FakeElement {
  childNodes: Array<FakeSpan | { textContent: string }> = [];
  readonly ownerDocument = {
    createElement: () => new FakeSpan(),
    createTextNode: (text: string) => ({ textContent: text }),
  };
  replaceChildren(...nodes: Array<FakeSpan | { textContent: string }>): void {
    this.childNodes = nodes;
  }
  getElementsByTagName(): FakeSpan[] {
    return this.childNodes.filter((n): n is FakeSpan => n instanceof FakeSpan);
  }
  get text(): string {
    return this.childNodes.map((n) => n.textContent).join('');
  }
  get current(): string[] {
    return this.getElementsByTagName()
      .filter((s) => s.className === 'current')
      .map((s) => s.textContent);
  }
}

const words = [
  { Text: 'Hello', StartMs: 0, EndMs: 300 },
  { Text: 'there', StartMs: 320, EndMs: 600 },
  { Text: ',', StartMs: 600, EndMs: 600 },
  { Text: 'friend', StartMs: 700, EndMs: 1000 },
];

function setup() {
  const element = new FakeElement();
  const events: WordEvent[] = [];
  const subtitles = new Subtitles({
    element: element as unknown as HTMLElement,
    onWord: (event) => events.push(event),
    holdMs: 500,
  });
  return { element, events, subtitles };
}

describe('Subtitles', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows the words of the audible utterance and marks the one being spoken', () => {
    const { element, events, subtitles } = setup();
    subtitles.begin('a', 'Hello there, friend');
    subtitles.addWords('a', words);
    subtitles.update(null);
    expect(element.text).toBe('');
    subtitles.update({ reqId: 'a', ms: 10 });
    expect(element.text).toBe('Hello there, friend');
    expect(element.current).toEqual(['Hello']);
    subtitles.update({ reqId: 'a', ms: 650 });
    expect(element.current).toEqual([',']);
    subtitles.update({ reqId: 'a', ms: 800 });
    expect(element.current).toEqual(['friend']);
    // Every word is reported once, in order, even one passed between two frames.
    expect(events.map((e) => [e.index, e.text])).toEqual([
      [0, 'Hello'],
      [1, 'there'],
      [2, ','],
      [3, 'friend'],
    ]);
    expect(events[0]?.reqId).toBe('a');
  });

  it('joins Chinese words without spaces', () => {
    const { element, subtitles } = setup();
    subtitles.begin('a', '你好世界');
    subtitles.addWords('a', [
      { Text: '你好', StartMs: 0, EndMs: 300 },
      { Text: '世界', StartMs: 300, EndMs: 600 },
    ]);
    subtitles.update({ reqId: 'a', ms: 400 });
    expect(element.text).toBe('你好世界');
    expect(element.current).toEqual(['世界']);
  });

  it('shows the sent text without a highlight when the server sends no words', () => {
    const { element, events, subtitles } = setup();
    subtitles.begin('a', '<speak>Hi <break time="1s"/> there</speak>');
    subtitles.update({ reqId: 'a', ms: 100 });
    expect(element.text).toBe('Hi there');
    expect(element.current).toEqual([]);
    expect(events).toEqual([]);
  });

  it('shows stream fragments as they are sent', () => {
    const { element, subtitles } = setup();
    subtitles.begin('s', '');
    subtitles.appendText('s', 'One ');
    subtitles.update({ reqId: 's', ms: 0 });
    subtitles.appendText('s', 'two.');
    subtitles.update({ reqId: 's', ms: 50 });
    expect(element.text).toBe('One two.');
  });

  it('clears the line a hold after the end, unless the next utterance takes over', () => {
    const { element, subtitles } = setup();
    subtitles.begin('a', 'first');
    subtitles.begin('b', 'second');
    subtitles.update({ reqId: 'a', ms: 0 });
    subtitles.end('a');
    vi.advanceTimersByTime(400);
    expect(element.text).toBe('first');
    subtitles.update({ reqId: 'b', ms: 0 });
    vi.advanceTimersByTime(1000);
    expect(element.text).toBe('second');
    subtitles.endAll();
    vi.advanceTimersByTime(499);
    expect(element.text).toBe('second');
    vi.advanceTimersByTime(1);
    expect(element.text).toBe('');
  });

  it('reports words without an element', () => {
    const events: WordEvent[] = [];
    const subtitles = new Subtitles({ onWord: (e) => events.push(e) });
    subtitles.begin('a', 'x');
    subtitles.addWords('a', words);
    subtitles.update({ reqId: 'a', ms: 400 });
    expect(events.map((e) => e.text)).toEqual(['Hello', 'there']);
  });
});
