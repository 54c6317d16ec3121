import { formatClock, truncate } from './format.js';
import type { PlayerEvent } from '@dhuman/client';

/** What one line of the speak-status log says. `kind` picks its colour. */
export interface LogLine {
  kind: 'sent' | 'first-frame' | 'speaking' | 'ended' | 'interrupted' | 'error' | 'info';
  label: string;
  detail: string;
  reqId?: string;
}

/**
 * The log line for a player event, or undefined for events too frequent to log (words). `streamedText` is the
 * whole text of a streamed utterance, whose `sent` event carries only the first fragment.
 */
export function describeEvent(event: PlayerEvent, streamedText?: string): LogLine | undefined {
  switch (event.type) {
    case 'sent':
      return {
        kind: 'sent',
        label: streamedText === undefined ? 'sent' : 'sent (streamed)',
        detail: `“${truncate(streamedText ?? event.text, 60)}”`,
        reqId: event.reqId,
      };
    case 'first-frame':
      return {
        kind: 'first-frame',
        label: 'first frame',
        detail: `${Math.round(event.ms)} ms`,
        reqId: event.reqId,
      };
    case 'speaking':
      return {
        kind: 'speaking',
        label: 'speaking',
        detail: `first sound after ${Math.round(event.ms)} ms`,
        reqId: event.reqId,
      };
    case 'ended':
      return { kind: 'ended', label: 'ended', detail: '', reqId: event.reqId };
    case 'interrupted':
      return { kind: 'interrupted', label: 'interrupted', detail: '', reqId: event.reqId };
    case 'error':
      return { kind: 'error', label: 'error', detail: `${event.code}: ${event.message}`, reqId: event.reqId };
    default:
      return undefined;
  }
}

/** The start of a ReqId: enough to tell the utterances of one session apart. */
export function shortReqId(reqId: string): string {
  return reqId.length > 8 ? reqId.slice(0, 6) : reqId;
}

const MAX_LINES = 200;

/** The `#log` list: newest line on top, bounded so a long session does not grow the page forever. */
export class StatusLog {
  readonly #list: HTMLOListElement;

  constructor(list: HTMLOListElement) {
    this.#list = list;
  }

  add(line: LogLine, at = new Date()): void {
    const doc = this.#list.ownerDocument;
    const item = doc.createElement('li');
    item.className = `log-line log-${line.kind}`;

    const time = doc.createElement('time');
    time.dateTime = at.toISOString();
    time.textContent = formatClock(at);

    const label = doc.createElement('span');
    label.className = 'log-label';
    label.textContent = line.label;

    const detail = doc.createElement('span');
    detail.className = 'log-detail';
    detail.textContent = line.detail;

    item.append(time, label, detail);
    if (line.reqId) {
      const req = doc.createElement('span');
      req.className = 'log-req';
      req.title = `ReqId ${line.reqId}`;
      req.textContent = `#${shortReqId(line.reqId)}`;
      item.append(req);
    }
    this.#list.prepend(item);
    while (this.#list.children.length > MAX_LINES) this.#list.lastElementChild?.remove();
  }

  clear(): void {
    this.#list.replaceChildren();
  }
}
