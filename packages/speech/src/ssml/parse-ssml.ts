import type { PlanItem, SourceSpan, SpeechPlan } from '../plan.js';
import { breakMs } from './break-time.js';
import { hasCjk, languageOfTag, type SpeechLanguage } from './language.js';
import { pinyinOf } from './pinyin.js';
import { ssmlError } from './position.js';
import { sayAs } from './say-as.js';
import type { TextPiece } from './tokenizer.js';
import { parseSsmlTree, textOf, type ElementNode, type SsmlNode } from './tree.js';

export interface ParseSpeechOptions {
  /** The language say-as reads numbers, dates and times in; by default guessed from the text (any CJK → zh). */
  language?: SpeechLanguage;
}

/** Elements of the IVH dialect. Any other tag is dropped and its text kept (spec §5). */
const KNOWN = new Set(['speak', 'break', 'insert-action', 'phoneme', 'word', 'sub', 'say-as']);

/**
 * Reads what a client asked to be said (SEND_TEXT `Text`, a stream sentence) into a speech plan.
 *
 * Input without `<` is plain text and is spoken exactly as sent (`&amp;` stays as written). Anything else is the
 * IVH SSML dialect, with or without a `<speak>` root; malformed markup is an INVALID_PARAMETER error naming the
 * problem and its line, column and offset.
 *
 * Plain text runs merge into one speak item until a break, an action or a dialect element separates them; their
 * ends are trimmed and runs of only whitespace vanish. `<word>`, `<sub>`, `<say-as>` and `<phoneme>` each become
 * their own speak item, so every item's `sourceOffset` can point at where its text (or, for rewritten text, the
 * element's content) is in the input. Actions inside `<word>` and `<sub>` are placed before that item so the
 * word stays whole.
 */
export function parseSpeechInput(input: string, options: ParseSpeechOptions = {}): SpeechPlan {
  if (!input.includes('<')) {
    return { items: input.trim() ? [{ kind: 'speak', text: input, sourceOffset: 0 }] : [] };
  }
  return { items: new PlanBuilder(input, options.language).build(parseSsmlTree(input)) };
}

/** What an element such as `<word>` or `<say-as>` holds once unknown tags are dropped. */
interface Content {
  pieces: TextPiece[];
  actions: string[];
}

class PlanBuilder {
  private readonly items: PlanItem[] = [];
  private run: TextPiece[] = [];
  private documentHasCjk: boolean | undefined;
  private nodes: readonly SsmlNode[] = [];

  constructor(
    private readonly input: string,
    private readonly language: SpeechLanguage | undefined,
  ) {}

  build(nodes: SsmlNode[]): PlanItem[] {
    this.nodes = nodes;
    this.walk(nodes, undefined);
    this.endRun();
    return this.items;
  }

  private walk(nodes: SsmlNode[], lang: SpeechLanguage | undefined): void {
    for (const node of nodes) {
      if (node.kind === 'text') this.run.push(...node.pieces);
      else this.element(node, languageOfTag(node.attributes.get('xml:lang')?.value) ?? lang);
    }
  }

  private element(node: ElementNode, lang: SpeechLanguage | undefined): void {
    if (!KNOWN.has(node.name) || node.name === 'speak') {
      this.walk(node.children, lang);
      return;
    }
    this.endRun();
    switch (node.name) {
      case 'break':
        this.expectEmpty(node);
        this.items.push({ kind: 'pause', ms: breakMs(node, this.input) });
        break;
      case 'insert-action':
        this.items.push({ kind: 'action', action: this.actionOf(node) });
        break;
      case 'phoneme': {
        const content = this.contentOf(node, false);
        const text = joined(content.pieces);
        const pronunciation = pinyinOf(node, text, this.input);
        this.speak(content.pieces, node.contentOffset, undefined, pronunciation);
        break;
      }
      case 'word':
        this.speak(this.contentWithActions(node).pieces, node.contentOffset);
        break;
      case 'sub': {
        const alias = node.attributes.get('alias');
        if (!alias) throw ssmlError(this.input, node.offset, '<sub> needs an alias attribute');
        this.speak(this.contentWithActions(node).pieces, node.contentOffset, alias.value.trim());
        break;
      }
      case 'say-as': {
        const { pieces } = this.contentOf(node, false);
        const text = joined(pieces);
        const kind = node.attributes.get('interpret-as')?.value ?? '';
        this.speak(
          pieces,
          node.contentOffset,
          sayAs(kind, text, this.language ?? lang ?? this.guessLanguage(text)),
        );
        break;
      }
    }
  }

  /** The content of `<word>`/`<sub>`, whose actions are emitted right away, ahead of the element's speech. */
  private contentWithActions(node: ElementNode): Content {
    const content = this.contentOf(node, true);
    for (const action of content.actions) this.items.push({ kind: 'action', action });
    return content;
  }

  /**
   * Flattens an element's content to text. Unknown tags are transparent; `insert-action` is collected where
   * allowed; any other dialect element there is an error, since it could not be honoured.
   */
  private contentOf(
    node: ElementNode,
    allowActions: boolean,
    into: Content = { pieces: [], actions: [] },
  ): Content {
    for (const child of node.children) {
      if (child.kind === 'text') into.pieces.push(...child.pieces);
      else if (!KNOWN.has(child.name)) this.contentOf(child, allowActions, into);
      else if (child.name === 'insert-action' && allowActions) into.actions.push(this.actionOf(child));
      else throw ssmlError(this.input, child.offset, `<${child.name}> is not allowed inside <${node.name}>`);
    }
    return into;
  }

  private actionOf(node: ElementNode): string {
    this.expectEmpty(node);
    // Real clients write type=; name= and action= are accepted because the attribute was never documented.
    const attribute =
      node.attributes.get('type') ?? node.attributes.get('name') ?? node.attributes.get('action');
    const action = attribute?.value.trim();
    if (!action) throw ssmlError(this.input, node.offset, '<insert-action> needs a type attribute');
    return action;
  }

  private expectEmpty(node: ElementNode): void {
    const child = node.children.find((c) => c.kind === 'element' || joined(c.pieces).trim() !== '');
    if (child) throw ssmlError(this.input, node.contentOffset, `<${node.name}> must be empty`);
  }

  /**
   * Adds a speak item for `pieces`, or for `replacement` (an alias, a say-as reading) located at the pieces'
   * first character, or at `emptyOffset` when they are blank. Nothing is added when there is nothing to say.
   */
  private speak(
    pieces: TextPiece[],
    emptyOffset: number,
    replacement?: string,
    pronunciation?: { alphabet: 'py'; value: string },
  ): void {
    const located = locate(pieces);
    const text = replacement ?? located?.text ?? '';
    if (!text) return;
    const sourceOffset = located?.offset ?? emptyOffset;
    // Text that is not the input's own (an alias, a say-as reading) stands for the input as a whole.
    const sourceMap =
      located && text === located.text ? located.map : [{ textOffset: 0, sourceOffset, verbatim: false }];
    this.items.push({
      kind: 'speak',
      text,
      sourceOffset,
      ...(sourceMap ? { sourceMap } : {}),
      ...(pronunciation ? { pronunciation } : {}),
    });
  }

  private endRun(): void {
    const run = this.run;
    this.run = [];
    this.speak(run, 0);
  }

  private guessLanguage(content: string): SpeechLanguage {
    if (hasCjk(content)) return 'zh';
    this.documentHasCjk ??= hasCjk(textOf(this.nodes));
    return this.documentHasCjk ? 'zh' : 'en';
  }
}

function joined(pieces: readonly TextPiece[]): string {
  return pieces.map((p) => p.text).join('');
}

/**
 * The trimmed text of `pieces`, the input offset of its first character, and where the rest of it is when that
 * is not simply what follows (see `SourceSpan`); undefined if it is all blank.
 */
function locate(
  pieces: readonly TextPiece[],
): { text: string; offset: number; map?: SourceSpan[] } | undefined {
  const text = joined(pieces);
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const lead = text.length - text.trimStart().length;
  const end = lead + trimmed.length;
  const map: SourceSpan[] = [];
  let at = 0;
  for (const piece of pieces) {
    const from = Math.max(at, lead);
    if (from < Math.min(at + piece.text.length, end)) {
      const sourceOffset = piece.verbatim ? piece.offset + from - at : piece.offset;
      const last = map.at(-1);
      const continues =
        last?.verbatim &&
        piece.verbatim &&
        last.sourceOffset + (from - lead - last.textOffset) === sourceOffset;
      if (!continues) map.push({ textOffset: from - lead, sourceOffset, verbatim: piece.verbatim });
    }
    at += piece.text.length;
  }
  const first = map[0];
  if (!first) return undefined;
  const copy = map.length === 1 && first.verbatim;
  return copy
    ? { text: trimmed, offset: first.sourceOffset }
    : { text: trimmed, offset: first.sourceOffset, map };
}
