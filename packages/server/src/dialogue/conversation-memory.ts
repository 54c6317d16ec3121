import type { DialogueTurn } from '@dhuman/core';

/** Turns kept per conversation, and conversations kept per session: both bounded, oldest dropped first. */
export const MAX_TURNS_PER_ROUND = 20;
export const MAX_ROUNDS = 16;

/**
 * A session's conversations, one per `ChatRoundId` ('' when clients send none). Engines get the turns of the
 * question's round as history; an LLM adapter trims them further to its own budget.
 */
export class ConversationMemory {
  /** Insertion order is recency: a round used again moves to the end. */
  readonly #rounds = new Map<string, DialogueTurn[]>();

  history(roundId: string): readonly DialogueTurn[] {
    return [...(this.#rounds.get(roundId) ?? [])];
  }

  record(roundId: string, turn: DialogueTurn): void {
    const turns = this.#rounds.get(roundId) ?? [];
    this.#rounds.delete(roundId);
    turns.push(turn);
    if (turns.length > MAX_TURNS_PER_ROUND) turns.splice(0, turns.length - MAX_TURNS_PER_ROUND);
    this.#rounds.set(roundId, turns);
    while (this.#rounds.size > MAX_ROUNDS) {
      const oldest = this.#rounds.keys().next().value;
      if (oldest === undefined) break;
      this.#rounds.delete(oldest);
    }
  }

  get size(): number {
    return this.#rounds.size;
  }
}
