/**
 * Scheduling helpers for benches that drive many connections: a seeded random source, so a run spreads its
 * talkers the same way every time, and a bounded-concurrency map for opening connections in batches.
 */

/** Uniform values in [0, 1) from a 32-bit xorshift generator; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  // xorshift32 never leaves 0, so 0 is mapped to an arbitrary odd constant.
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

/** Runs `task` for every item with at most `limit` in flight; settled results come back in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const settled = new Array<PromiseSettledResult<R>>(items.length);
  let cursor = 0;
  const lane = async (): Promise<void> => {
    while (cursor < items.length) {
      const index = cursor++;
      try {
        settled[index] = { status: 'fulfilled', value: await task(items[index] as T, index) };
      } catch (reason) {
        settled[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return settled;
}
