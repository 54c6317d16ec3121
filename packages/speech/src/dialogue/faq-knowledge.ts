import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { IvhError } from '@dhuman/protocol';
import yaml from 'js-yaml';
import { parseSpeechInput } from '../ssml/parse-ssml.js';
import { lineColumn } from '../ssml/position.js';
import { stripSsmlTags } from '../ssml/strip-tags.js';
import { DEFAULT_FAQ_THRESHOLD } from './faq-matcher.js';
import { faqTerms } from './faq-terms.js';
import {
  describeSchemaError,
  FAQ_LIMITS,
  faqFileSchema,
  type FaqFile,
  type FaqLanguage,
} from './faq-schema.js';

export type FaqAnswer = { kind: 'text'; text: string } | { kind: 'ssml'; ssml: string; display: string };

export interface FaqIntent {
  id: string;
  questions: readonly string[];
  answer: FaqAnswer;
  uninterruptible: boolean;
  muted: boolean;
}

/** A checked knowledge file, ready for FaqDialogue. */
export interface FaqKnowledge {
  /** The file's name, for messages and logs. */
  source: string;
  /** The language most answers are written in, for choosing a voice; answers may mix languages. */
  language: FaqLanguage;
  /** Plain text: answered when no intent matches, and spoken when anything else goes wrong. */
  fallback: string;
  threshold: number;
  intents: readonly FaqIntent[];
}

export type FaqFormat = 'yaml' | 'json';

/** A knowledge file that cannot be used; the message names the file, where in it, and what is wrong. */
export class FaqFileError extends Error {
  override readonly name = 'FaqFileError';

  constructor(
    readonly source: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${problem}`, options);
  }
}

/** The format a file name implies, or undefined for any other extension. */
export function faqFormatOf(path: string): FaqFormat | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  return extension === '.json' ? 'json' : undefined;
}

/** Reads and checks a knowledge file; the format follows the extension (.yaml, .yml or .json). */
export async function loadFaqFile(path: string): Promise<FaqKnowledge> {
  const source = basename(path);
  const format = faqFormatOf(path);
  if (!format) throw new FaqFileError(source, 'a knowledge file must end in .yaml, .yml or .json');
  let text: string;
  try {
    // Checked before reading, so a wrong path to a huge file never lands in memory.
    const { size } = await stat(path);
    if (size > FAQ_LIMITS.fileBytes) {
      throw new FaqFileError(
        source,
        `is ${size} bytes; a knowledge file may be at most ${FAQ_LIMITS.fileBytes}`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof FaqFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new FaqFileError(source, `cannot be read: ${reason}`, { cause: error });
  }
  return parseFaq(text, format, source);
}

/** Parses and checks the text of a knowledge file. Throws FaqFileError. */
export function parseFaq(text: string, format: FaqFormat, source: string): FaqKnowledge {
  if (text.length > FAQ_LIMITS.fileBytes) {
    throw new FaqFileError(source, `is longer than ${FAQ_LIMITS.fileBytes} characters`);
  }
  const checked = faqFileSchema.safeParse(
    format === 'yaml' ? readYaml(text, source) : readJson(text, source),
  );
  if (!checked.success) throw new FaqFileError(source, describeSchemaError(checked.error));
  return knowledgeOf(checked.data, source);
}

function readYaml(text: string, source: string): unknown {
  try {
    // The core schema: plain data only, no timestamps or binary that a knowledge file has no use for.
    return yaml.load(text, { filename: source, schema: yaml.CORE_SCHEMA });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      const { line, column } = error.mark;
      throw new FaqFileError(
        source,
        `YAML syntax error at line ${line + 1}, column ${column + 1}: ${error.reason}`,
        { cause: error },
      );
    }
    throw error;
  }
}

function readJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message.replace(/\s+/g, ' ');
    // V8 reports an offset at most (and only for some errors); a line is what an editor jumps to.
    const offset = /at position (\d+)/.exec(message)?.[1];
    const where =
      offset !== undefined && !/line \d+/.test(message)
        ? (({ line, column }) => ` (line ${line}, column ${column})`)(lineColumn(text, Number(offset)))
        : '';
    throw new FaqFileError(source, `JSON syntax error: ${message}${where}`, { cause: error });
  }
}

/** The checks the schema cannot make, and the answers prepared for speaking. */
function knowledgeOf(file: FaqFile, source: string): FaqKnowledge {
  const language = file.language ?? 'en-US';
  const firstUse = new Map<string, number>();
  const intents = file.intents.map((intent, i): FaqIntent => {
    const at = `intents[${i}]`;
    const earlier = firstUse.get(intent.id);
    if (earlier !== undefined) {
      throw new FaqFileError(
        source,
        `${at}.id: duplicate id ${JSON.stringify(intent.id)} (first used by intents[${earlier}])`,
      );
    }
    firstUse.set(intent.id, i);
    intent.questions.forEach((question, j) => {
      if (faqTerms(question).length === 0) {
        throw new FaqFileError(source, `${at}.questions[${j}]: has no words to match a question against`);
      }
    });
    return {
      id: intent.id,
      questions: intent.questions,
      answer: answerOf(intent.answer, source, `${at}.answer`),
      uninterruptible: intent.uninterruptible ?? false,
      muted: intent.muted ?? false,
    };
  });
  return {
    source,
    language,
    fallback: plainText(file.fallback, source, 'fallback'),
    threshold: file.threshold ?? DEFAULT_FAQ_THRESHOLD,
    intents,
  };
}

/**
 * SSML answers start with `<speak>`; they are checked the way the TTS will read them, so a broken tag fails the
 * load instead of a visitor's question.
 */
function answerOf(answer: string, source: string, at: string): FaqAnswer {
  if (!answer.startsWith('<speak')) return { kind: 'text', text: plainText(answer, source, at) };
  let display: string;
  try {
    parseSpeechInput(answer);
    display = stripSsmlTags(answer);
  } catch (error) {
    // The IVH error's detail is the SSML problem and its position, without the wire error's prefix.
    const problem = error instanceof IvhError && error.detail ? error.detail : (error as Error).message;
    throw new FaqFileError(source, `${at}: ${problem}`, { cause: error });
  }
  if (!display) throw new FaqFileError(source, `${at}: the SSML has no text to show or speak`);
  return { kind: 'ssml', ssml: answer, display };
}

/** Text with `<` would be read as SSML downstream, so markup has to be a whole `<speak>` document. */
function plainText(text: string, source: string, at: string): string {
  if (!text.includes('<')) return text;
  throw new FaqFileError(
    source,
    at === 'fallback'
      ? 'fallback: must be plain text without "<" (it is also spoken when the engine fails, outside SSML)'
      : `${at}: contains "<"; write SSML answers as a whole <speak>…</speak> document (and "<" as &lt;)`,
  );
}
