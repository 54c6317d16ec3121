import { tokenize } from '../ssml/tokenizer.js';

export type ActionTagMatch =
  /** A whole tag ending at `end`; `action` is undefined for a closing tag or one without a usable action. */
  | { kind: 'tag'; end: number; action: string | undefined }
  /** The text ends inside what may still become a tag: wait for the next fragment. */
  | { kind: 'incomplete' };

const OPEN = '<insert-action';
const CLOSE = '</insert-action';
/** A tag longer than this is not one a client sent; its `<` is taken literally instead of waiting forever. */
const MAX_TAG_CHARS = 256;

/**
 * Recognises an `<insert-action …/>` (or `</insert-action>`) tag at `text[at]` in a stream fragment (spec §9.3).
 * Streams are not SSML, so every other `<` is literal text. With `final` false, a tag cut off by the end of the
 * text is reported incomplete; at the end of the stream it is literal. Undefined: not a tag, `<` is text.
 */
export function matchActionTag(text: string, at: number, final: boolean): ActionTagMatch | undefined {
  const head = text.slice(at, at + CLOSE.length + 1).toLowerCase();
  const name = [OPEN, CLOSE].find(
    (n) => head.startsWith(n) || (n.startsWith(head) && at + head.length === text.length),
  );
  if (name === undefined) return undefined;
  const after = head[name.length];
  if (after === undefined) return final ? undefined : { kind: 'incomplete' };
  if (!/[\s/>]/.test(after)) return undefined;
  const close = text.indexOf('>', at);
  if (close < 0 || close - at > MAX_TAG_CHARS) {
    return final || text.length - at > MAX_TAG_CHARS ? undefined : { kind: 'incomplete' };
  }
  return { kind: 'tag', end: close + 1, action: actionOf(text.slice(at, close + 1)) };
}

/** The action a tag names; a tag the SSML tokenizer rejects is dropped rather than failing the stream. */
function actionOf(tag: string): string | undefined {
  try {
    const token = tokenize(tag)[0];
    if (token?.kind !== 'open') return undefined;
    const attribute =
      token.attributes.get('type') ?? token.attributes.get('name') ?? token.attributes.get('action');
    return attribute?.value.trim() || undefined;
  } catch {
    return undefined;
  }
}
