import type { DialogueTurn } from '@dhuman/core';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatMessageBounds {
  /** At most this many earlier turns are sent. */
  maxTurns: number;
  /** The kept turns' questions and answers together stay within this many characters. */
  maxChars: number;
}

/**
 * The `messages` of a chat request: the system prompt, as many of the newest earlier turns as the bounds allow
 * (oldest first, as user/assistant pairs), then the question. Newest turns are kept because a follow-up ("and
 * on Sundays?") refers to what was just said. Turns without an answer (interrupted before any text) are left
 * out: a question without its answer would make two user messages in a row, which some chat templates reject.
 */
export function chatMessages(
  systemPrompt: string | undefined,
  history: readonly DialogueTurn[],
  question: string,
  bounds: ChatMessageBounds,
): ChatMessage[] {
  const kept: DialogueTurn[] = [];
  let chars = 0;
  for (let i = history.length - 1; i >= 0 && kept.length < bounds.maxTurns; i--) {
    const turn = history[i];
    if (!turn || !turn.question.trim() || !turn.answer.trim()) continue;
    chars += turn.question.length + turn.answer.length;
    if (chars > bounds.maxChars) break;
    kept.push(turn);
  }
  const messages: ChatMessage[] = systemPrompt?.trim() ? [{ role: 'system', content: systemPrompt }] : [];
  for (const turn of kept.reverse()) {
    messages.push({ role: 'user', content: turn.question }, { role: 'assistant', content: turn.answer });
  }
  messages.push({ role: 'user', content: question });
  return messages;
}
