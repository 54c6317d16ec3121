import { matchActionTag } from './action-tags.js';

type Part = { text: string } | { action: string };

/**
 * Turns a raw stretch of a stream into the string a sentence is handed on as, or undefined when there is nothing
 * to say or do (only punctuation and spaces).
 *
 * The result is always valid input for parseSpeechInput: plain trimmed text when there is no action and no `<`,
 * otherwise `<speak>…</speak>` with the text escaped and each action written `<insert-action type="…"/>`, so the
 * SSML reader places the actions and a literal `<` or `&` in the stream is still spoken.
 */
export function renderSentence(raw: string): string | undefined {
  const parts = partsOf(raw);
  const text = parts.map((p) => ('text' in p ? p.text : '')).join('');
  const speakable = /[^\p{P}\s]/u.test(text);
  const hasAction = parts.some((p) => 'action' in p);
  if (!speakable && !hasAction) return undefined;
  if (!hasAction && !text.includes('<')) return text.trim();
  const kept = speakable ? parts : parts.filter((p) => 'action' in p);
  const body = kept
    .map((p) => ('text' in p ? escapeXml(p.text) : `<insert-action type="${escapeXml(p.action)}"/>`))
    .join('')
    .trim();
  return `<speak>${body}</speak>`;
}

function partsOf(raw: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < raw.length;) {
    const tag = raw[i] === '<' ? matchActionTag(raw, i, true) : undefined;
    if (tag?.kind === 'tag') {
      if (text) parts.push({ text });
      text = '';
      if (tag.action !== undefined) parts.push({ action: tag.action });
      i = tag.end;
    } else {
      text += raw[i];
      i++;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
