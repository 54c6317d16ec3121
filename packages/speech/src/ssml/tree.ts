import { describePosition, ssmlError } from './position.js';
import { tokenize, type Attribute, type TextPiece } from './tokenizer.js';

export interface ElementNode {
  kind: 'element';
  name: string;
  attributes: ReadonlyMap<string, Attribute>;
  /** Offset of the element's `<`. */
  offset: number;
  /** Offset just past the opening tag: where its content starts. */
  contentOffset: number;
  children: SsmlNode[];
}

export interface TextNode {
  kind: 'text';
  pieces: TextPiece[];
}

export type SsmlNode = ElementNode | TextNode;

/**
 * Parses SSML into a tree of elements and text. Any number of top-level nodes is fine: clients send bare
 * fragments as often as a `<speak>` document. Every opened tag must be closed by a matching tag.
 */
export function parseSsmlTree(input: string): SsmlNode[] {
  const root: SsmlNode[] = [];
  const open: ElementNode[] = [];
  const childrenOf = () => open.at(-1)?.children ?? root;
  for (const token of tokenize(input)) {
    if (token.kind === 'text') {
      childrenOf().push({ kind: 'text', pieces: token.pieces });
    } else if (token.kind === 'open') {
      const element: ElementNode = {
        kind: 'element',
        name: token.name,
        attributes: token.attributes,
        offset: token.offset,
        contentOffset: token.end,
        children: [],
      };
      childrenOf().push(element);
      if (!token.selfClosing) open.push(element);
    } else {
      const current = open.pop();
      if (current === undefined) {
        throw ssmlError(input, token.offset, `closing tag </${token.name}> has no opening tag`);
      }
      if (current.name !== token.name) {
        throw ssmlError(
          input,
          token.offset,
          `mismatched closing tag </${token.name}>: expected </${current.name}> for the tag opened at ` +
            describePosition(input, current.offset),
        );
      }
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) throw ssmlError(input, unclosed.offset, `unclosed tag <${unclosed.name}>`);
  return root;
}

/** All text in `nodes`, tags removed, in document order. */
export function textOf(nodes: readonly SsmlNode[]): string {
  return nodes
    .map((node) => (node.kind === 'text' ? node.pieces.map((p) => p.text).join('') : textOf(node.children)))
    .join('');
}
