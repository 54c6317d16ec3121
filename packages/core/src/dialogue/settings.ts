/**
 * Which dialogue engine a project's questions go to (issue 7). Stored with the project as JSON; one parser
 * serves the CLI flags and stored rows, so every way in applies the same bounds.
 *
 * - `faq`: the built-in rules engine over a knowledge file (YAML or JSON). `file` is an absolute path, or
 *   `builtin:assistant` for the FAQ about dhuman that ships with it.
 * - `llm`: an OpenAI-compatible chat endpoint. Fields left out come from DHUMAN_LLM_URL, DHUMAN_LLM_MODEL and
 *   DHUMAN_LLM_KEY, so one endpoint can serve every project.
 */
export type DialogueSettings =
  | { engine: 'faq'; file: string }
  | { engine: 'llm'; url?: string; model?: string; apiKey?: string; systemPrompt?: string };

export const BUILTIN_FAQ_PREFIX = 'builtin:';
export const MAX_SYSTEM_PROMPT_CHARS = 8000;
const MAX_PATH_CHARS = 1024;
const MAX_FIELD_CHARS = 512;

export class DialogueSettingsError extends Error {
  override readonly name = 'DialogueSettingsError';
}

function text(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new DialogueSettingsError(`dialogue.${field} must be a string`);
  if (value.length > max)
    throw new DialogueSettingsError(`dialogue.${field} is longer than ${max} characters`);
  return value;
}

/** Validates a stored or given setting. Throws DialogueSettingsError naming the field. */
export function parseDialogueSettings(input: unknown): DialogueSettings {
  if (typeof input !== 'object' || input === null) {
    throw new DialogueSettingsError('dialogue must be an object with an engine');
  }
  const value = input as Record<string, unknown>;
  if (value.engine === 'faq') {
    const file = text(value.file, 'file', MAX_PATH_CHARS);
    if (!file) throw new DialogueSettingsError('dialogue.file is required for the faq engine');
    if (!file.startsWith(BUILTIN_FAQ_PREFIX) && !file.startsWith('/')) {
      throw new DialogueSettingsError(`dialogue.file must be an absolute path, got ${JSON.stringify(file)}`);
    }
    return { engine: 'faq', file };
  }
  if (value.engine === 'llm') {
    const url = text(value.url, 'url', MAX_FIELD_CHARS);
    if (url !== undefined) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new DialogueSettingsError(`dialogue.url is not a URL: ${JSON.stringify(url.slice(0, 100))}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new DialogueSettingsError('dialogue.url must be http: or https:');
      }
      if (parsed.username || parsed.password) {
        throw new DialogueSettingsError('dialogue.url must not carry credentials; use the key setting');
      }
    }
    const model = text(value.model, 'model', MAX_FIELD_CHARS);
    const apiKey = text(value.apiKey, 'apiKey', MAX_FIELD_CHARS);
    const systemPrompt = text(value.systemPrompt, 'systemPrompt', MAX_SYSTEM_PROMPT_CHARS);
    return {
      engine: 'llm',
      ...(url !== undefined && { url }),
      ...(model !== undefined && { model }),
      ...(apiKey !== undefined && { apiKey }),
      ...(systemPrompt !== undefined && { systemPrompt }),
    };
  }
  throw new DialogueSettingsError(
    `dialogue.engine must be "faq" or "llm", got ${JSON.stringify(String(value.engine)).slice(0, 40)}`,
  );
}

/** The setting as shown to people and over HTTP: an API key is replaced by a marker, never shown. */
export function describeDialogueSettings(settings: DialogueSettings | undefined): Record<string, string> {
  if (!settings) return { engine: 'none' };
  if (settings.engine === 'faq') return { engine: 'faq', file: settings.file };
  return {
    engine: 'llm',
    ...(settings.url !== undefined && { url: settings.url }),
    ...(settings.model !== undefined && { model: settings.model }),
    ...(settings.apiKey !== undefined && { apiKey: '(set)' }),
    ...(settings.systemPrompt !== undefined && { systemPrompt: settings.systemPrompt }),
  };
}
