import { answerText, reasoningText, type Change, type Conversation, type Turn } from './conversation.js';

const SOURCE_LABEL: Record<Turn['source'], string> = {
  voice: 'You, by voice',
  typed: 'You, typed',
  other: 'Asked',
};

/**
 * Draws a Conversation: the history list (one item per question, redrawn when its turn changes) and the live
 * transcript line. Everything is set as text, never as HTML: transcripts and answers come from elsewhere.
 */
export class ConversationView {
  readonly #history: HTMLOListElement;
  readonly #transcript: HTMLElement;
  readonly #items = new Map<string, HTMLLIElement>();

  constructor(history: HTMLOListElement, transcript: HTMLElement) {
    this.#history = history;
    this.#transcript = transcript;
  }

  update(conversation: Conversation, change: Change): void {
    for (const reqId of change.removed) {
      this.#items.get(reqId)?.remove();
      this.#items.delete(reqId);
    }
    if (change.turns.length > 0) {
      // Follow the conversation as it grows, unless the visitor scrolled up to read.
      const list = this.#history;
      const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
      for (const reqId of change.turns) {
        const turn = conversation.turn(reqId);
        if (turn) this.#draw(turn);
      }
      if (atEnd) list.scrollTop = list.scrollHeight;
    }
    if (change.transcript) {
      const line = conversation.transcript;
      this.#transcript.textContent = line?.text ?? '';
      this.#transcript.dataset.final = String(line?.final ?? true);
    }
  }

  clear(): void {
    this.#items.clear();
    this.#history.replaceChildren();
    this.#transcript.textContent = '';
    this.#transcript.dataset.final = 'true';
  }

  #draw(turn: Turn): void {
    const doc = this.#history.ownerDocument;
    let item = this.#items.get(turn.reqId);
    // A reasoning box the visitor opened stays open while the answer grows.
    const reasoningOpen = item?.querySelector('details')?.open ?? false;
    if (!item) {
      item = doc.createElement('li');
      item.className = 'turn';
      item.dataset.reqId = turn.reqId;
      this.#items.set(turn.reqId, item);
      this.#history.append(item);
    }
    const parts: HTMLElement[] = [];
    if (turn.question) {
      parts.push(bubble(doc, 'question', SOURCE_LABEL[turn.source], turn.question));
    }
    const reasoning = reasoningText(turn);
    if (reasoning) {
      const details = doc.createElement('details');
      details.className = 'turn-reasoning';
      details.open = reasoningOpen;
      const summary = doc.createElement('summary');
      summary.textContent = 'Reasoning';
      const text = doc.createElement('p');
      text.textContent = reasoning;
      details.append(summary, text);
      parts.push(details);
    }
    const answer = answerText(turn);
    if (answer || (turn.question && turn.errors.length === 0)) {
      const answerBubble = bubble(doc, 'answer', 'Avatar', answer);
      answerBubble.dataset.state = turn.answered ? 'done' : answer ? 'partial' : 'pending';
      if (!answer) {
        // Screen readers get words; the dots are drawn by CSS.
        const text = answerBubble.querySelector('.turn-text');
        if (text) text.setAttribute('aria-label', 'thinking');
      }
      parts.push(answerBubble);
    }
    for (const error of turn.errors) {
      const line = doc.createElement('p');
      line.className = 'turn-error';
      line.textContent = error;
      parts.push(line);
    }
    item.replaceChildren(...parts);
  }
}

function bubble(doc: Document, kind: 'question' | 'answer', who: string, text: string): HTMLElement {
  const box = doc.createElement('div');
  box.className = `turn-bubble turn-${kind}`;
  const label = doc.createElement('span');
  label.className = 'turn-who';
  label.textContent = who;
  const body = doc.createElement('p');
  body.className = 'turn-text';
  body.textContent = text;
  box.append(label, body);
  return box;
}
