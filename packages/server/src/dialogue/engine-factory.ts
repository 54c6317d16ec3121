import { BUILTIN_FAQ_PREFIX, type DialogueEngine, type DialogueSettings } from '@dhuman/core';
import { builtinFaqPath, FaqDialogue, OpenAiChatDialogue } from '@dhuman/speech';
import type { LlmConfig } from '../config.js';

/** Said by an LLM-backed project when the model fails; FAQ files carry their own. */
export const LLM_FALLBACK_ANSWER = "Sorry, I couldn't think of an answer just now. Could you ask again?";

/**
 * Makes the engine a project's setting names. An `llm` project takes what it leaves out from DHUMAN_LLM_*; with
 * no URL or model anywhere it cannot answer, and says so.
 */
export function dialogueEngineFactory(
  llm: LlmConfig,
): (settings: DialogueSettings) => Promise<DialogueEngine> {
  return async (settings) => {
    if (settings.engine === 'faq') {
      const file = settings.file.startsWith(BUILTIN_FAQ_PREFIX)
        ? builtinFaqPath(settings.file.slice(BUILTIN_FAQ_PREFIX.length))
        : settings.file;
      return FaqDialogue.fromFile(file);
    }
    const url = settings.url ?? llm.url;
    const model = settings.model ?? llm.model;
    if (!url || !model) {
      throw new Error(
        'the project uses an LLM, but no URL and model are set (DHUMAN_LLM_URL, DHUMAN_LLM_MODEL)',
      );
    }
    const apiKey = settings.apiKey ?? llm.apiKey;
    const systemPrompt = settings.systemPrompt ?? llm.systemPrompt;
    return Promise.resolve(
      new OpenAiChatDialogue({
        url,
        model,
        fallbackAnswer: LLM_FALLBACK_ANSWER,
        firstTokenTimeoutMs: llm.timeoutMs,
        idleTimeoutMs: llm.timeoutMs,
        ...(apiKey !== undefined && { apiKey }),
        ...(systemPrompt !== undefined && { systemPrompt }),
      }),
    );
  };
}
