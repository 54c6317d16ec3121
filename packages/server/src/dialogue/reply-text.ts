import { stripMarkdown } from '../driver-engine/markdown.js';

/**
 * What a clause of an engine's plain-text answer becomes: `spoken` goes to TTS (markdown syntax removed; text
 * with `<` or `&` escaped inside `<speak>` so the SSML reader takes it literally), `display` is shown as is.
 * A sentence the splitter already made SSML (it carried an action tag) is spoken as it is.
 */
export function clauseOf(sentence: string): { spoken: string; display: string; ssml: boolean } {
  if (sentence.trimStart().startsWith('<speak')) {
    return { spoken: sentence, display: sentence.replace(/<[^>]*>/g, ''), ssml: true };
  }
  const plain = stripMarkdown(sentence).trim();
  if (!/[<&]/.test(plain)) return { spoken: plain, display: sentence.trim(), ssml: false };
  const escaped = plain.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return { spoken: `<speak>${escaped}</speak>`, display: sentence.trim(), ssml: false };
}
