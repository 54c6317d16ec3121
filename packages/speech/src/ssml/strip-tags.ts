import { parseSsmlTree, textOf } from './tree.js';

/**
 * The text of an input with its markup removed, for subtitles and logs: tags and comments dropped, entities
 * decoded, ends trimmed. It keeps what the client wrote (`<sub alias="语音合成">TTS</sub>` shows "TTS",
 * say-as content stays as digits) because a reader wants the written form. Input without `<` is returned as
 * is, like parseSpeechInput reads it; malformed SSML throws the same error parseSpeechInput would.
 */
export function stripSsmlTags(text: string): string {
  if (!text.includes('<')) return text;
  return textOf(parseSsmlTree(text)).trim();
}
