import { decodeEntity } from './entities.js';
import { ssmlError } from './position.js';

/**
 * A run of decoded text. `verbatim` pieces are a copy of the input at `offset`; the others came from an entity
 * or character reference that starts at `offset`, so only their start maps back to the input.
 */
export interface TextPiece {
  text: string;
  offset: number;
  verbatim: boolean;
}

export interface Attribute {
  value: string;
  /** Offset of the value's first character, just inside the quote. */
  offset: number;
}

/** Tag and attribute names are lower-cased: clients are not consistent about case and XML's strictness buys nothing. */
export type Token =
  | { kind: 'text'; pieces: TextPiece[] }
  | {
      kind: 'open';
      name: string;
      attributes: ReadonlyMap<string, Attribute>;
      selfClosing: boolean;
      offset: number;
      /** Offset just past the tag's `>`. */
      end: number;
    }
  | { kind: 'close'; name: string; offset: number };

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const NAME_START = /^[A-Za-z_:]$/;
const SPACE = /[ \t\r\n]*/y;

/**
 * Splits SSML into text, opening tags and closing tags; comments, processing instructions (`<?xml …?>`) are
 * dropped, CDATA becomes text, entities are decoded. Nesting is checked by the caller (`tree.ts`).
 */
export function tokenize(input: string): Token[] {
  return new Tokenizer(input).run();
}

class Tokenizer {
  private pos = 0;
  private readonly tokens: Token[] = [];
  private pieces: TextPiece[] = [];

  constructor(private readonly input: string) {}

  run(): Token[] {
    const { input } = this;
    while (this.pos < input.length) {
      const c = input[this.pos];
      if (c === '<') {
        this.markup();
      } else if (c === '&') {
        const { text, end } = decodeEntity(input, this.pos);
        this.pieces.push({ text, offset: this.pos, verbatim: false });
        this.pos = end;
      } else {
        const next = nextSpecial(input, this.pos);
        this.pieces.push({ text: input.slice(this.pos, next), offset: this.pos, verbatim: true });
        this.pos = next;
      }
    }
    this.endText();
    return this.tokens;
  }

  private endText(): void {
    if (this.pieces.length > 0) this.tokens.push({ kind: 'text', pieces: this.pieces });
    this.pieces = [];
  }

  private markup(): void {
    const { input } = this;
    const start = this.pos;
    if (input.startsWith('<!--', start)) {
      this.pos = this.skipPast('-->', start + 4, 'unterminated comment');
    } else if (input.startsWith('<![CDATA[', start)) {
      const end = this.skipPast(']]>', start + 9, 'unterminated CDATA section');
      const text = input.slice(start + 9, end - 3);
      if (text) this.pieces.push({ text, offset: start + 9, verbatim: true });
      this.pos = end;
    } else if (input.startsWith('<?', start)) {
      this.pos = this.skipPast('?>', start + 2, 'unterminated processing instruction');
    } else if (input.startsWith('<!', start)) {
      throw ssmlError(input, start, 'unsupported declaration (only comments and CDATA may start with <!)');
    } else if (input.startsWith('</', start)) {
      this.endText();
      this.closeTag(start);
    } else {
      this.endText();
      this.openTag(start);
    }
  }

  private skipPast(terminator: string, from: number, problem: string): number {
    const at = this.input.indexOf(terminator, from);
    if (at < 0) throw ssmlError(this.input, this.pos, problem);
    return at + terminator.length;
  }

  private closeTag(start: number): void {
    const name = this.readName(start + 2);
    if (name === undefined) throw ssmlError(this.input, start, "expected a tag name after '</'");
    this.skipSpace();
    if (this.input[this.pos] !== '>') {
      throw ssmlError(this.input, this.atEnd() ? start : this.pos, `unterminated closing tag </${name}>`);
    }
    this.pos++;
    this.tokens.push({ kind: 'close', name, offset: start });
  }

  private openTag(start: number): void {
    const { input } = this;
    const name = this.readName(start + 1);
    if (name === undefined) {
      throw ssmlError(input, start, "'<' does not start a tag (write a literal '<' as &lt;)");
    }
    const attributes = new Map<string, Attribute>();
    for (;;) {
      const spaced = this.skipSpace();
      if (this.atEnd()) throw ssmlError(input, start, `unterminated tag <${name}>`);
      if (input[this.pos] === '>' || input.startsWith('/>', this.pos)) break;
      if (input[this.pos] === '/') throw ssmlError(input, this.pos, `expected '>' after '/' in <${name}>`);
      if (!spaced && NAME_START.test(input[this.pos] ?? '')) {
        throw ssmlError(
          input,
          this.pos,
          `bad attribute syntax in <${name}>: expected a space before the attribute`,
        );
      }
      this.attribute(name, attributes);
    }
    const selfClosing = input[this.pos] === '/';
    this.pos += selfClosing ? 2 : 1;
    this.tokens.push({ kind: 'open', name, attributes, selfClosing, offset: start, end: this.pos });
  }

  private attribute(tag: string, attributes: Map<string, Attribute>): void {
    const { input } = this;
    const nameAt = this.pos;
    const name = this.readName(nameAt);
    const bad = (problem: string, at = this.pos) =>
      ssmlError(input, at, `bad attribute syntax in <${tag}>: ${problem}`);
    if (name === undefined) throw bad(`unexpected ${describeChar(input[nameAt])}`);
    if (attributes.has(name)) throw bad(`duplicate attribute '${name}'`, nameAt);
    this.skipSpace();
    if (input[this.pos] !== '=') throw bad(`attribute '${name}' has no '=' and value`);
    this.pos++;
    this.skipSpace();
    const quote = input[this.pos];
    if (quote !== '"' && quote !== "'") throw bad(`the value of '${name}' must be quoted`);
    const quoteAt = this.pos++;
    let value = '';
    for (;;) {
      const c = input[this.pos];
      if (c === undefined) throw bad(`unterminated value of '${name}'`, quoteAt);
      if (c === quote) break;
      if (c === '<') throw bad(`'<' in the value of '${name}' (write it as &lt;)`);
      if (c === '&') {
        const { text, end } = decodeEntity(input, this.pos);
        value += text;
        this.pos = end;
      } else {
        value += c;
        this.pos++;
      }
    }
    this.pos++;
    attributes.set(name, { value, offset: quoteAt + 1 });
  }

  private readName(at: number): string | undefined {
    NAME.lastIndex = at;
    const match = NAME.exec(this.input);
    if (!match) return undefined;
    this.pos = at + match[0].length;
    return match[0].toLowerCase();
  }

  /** Skips XML whitespace; says whether there was any. */
  private skipSpace(): boolean {
    SPACE.lastIndex = this.pos;
    const length = SPACE.exec(this.input)?.[0].length ?? 0;
    this.pos += length;
    return length > 0;
  }

  private atEnd(): boolean {
    return this.pos >= this.input.length;
  }
}

function nextSpecial(input: string, from: number): number {
  for (let i = from; i < input.length; i++) {
    const c = input[i];
    if (c === '<' || c === '&') return i;
  }
  return input.length;
}

function describeChar(c: string | undefined): string {
  return c === undefined ? 'end of input' : `'${c}'`;
}
