/**
 * Splits a text into the fragments a language model would stream (a few words each, whitespace kept), so the
 * "stream" mode of the page exercises STREAM_TEXT the way a chat integration would. Joining the fragments gives
 * the text back exactly.
 */
export function streamFragments(text: string, wordsPerFragment = 3): string[] {
  const tokens = text.match(/\s*\S+/g);
  if (!tokens) return [];
  const trailing = text.slice(tokens.join('').length);
  const fragments: string[] = [];
  for (let i = 0; i < tokens.length; i += wordsPerFragment) {
    fragments.push(tokens.slice(i, i + wordsPerFragment).join(''));
  }
  if (trailing) fragments[fragments.length - 1] += trailing;
  return fragments;
}
