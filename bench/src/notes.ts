import type { CpuShares } from './cpu.js';

/** Above this share of a core used by other processes, a phase's figures are flagged as noisy. */
export const NOISY_OTHER_PCT = 20;

/** Counts one error under its message (long messages cut, so one kind stays one key). */
export function countKind(kinds: Record<string, number>, kind: string): void {
  const key = kind.length > 120 ? `${kind.slice(0, 117)}...` : kind;
  kinds[key] = (kinds[key] ?? 0) + 1;
}

/** The `errors:` lines of one phase, then a `noisy:` line when other processes took too much CPU. */
export function problemNotes(
  phase: string,
  errors: Iterable<[kind: string, count: number]> | readonly string[],
  cpu: CpuShares,
): string[] {
  const notes: string[] = [];
  for (const error of errors) {
    notes.push(
      typeof error === 'string'
        ? `errors: ${phase}: ${error}`
        : `errors: ${phase}: ${error[1]} x ${error[0]}`,
    );
  }
  if ((cpu.otherPct ?? 0) > NOISY_OTHER_PCT) {
    notes.push(`noisy: ${phase}: other processes used ${cpu.otherPct}% of a core; rerun on a quiet machine`);
  }
  return notes;
}
