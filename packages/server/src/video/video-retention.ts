import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqliteVideoTaskStore } from './video-task-store.js';

/**
 * Deletes finished tasks past their retention time, files first (so a link never outlives its file by more
 * than a sweep), and folders under the media root that belong to no task (left by a task deleted while a
 * previous process was writing). Returns how many tasks were removed.
 */
export async function sweepExpiredTasks(
  store: SqliteVideoTaskStore,
  mediaRoot: string,
  now: number,
): Promise<number> {
  const expired = store.listExpired(now);
  for (const taskId of expired) {
    await rm(join(mediaRoot, taskId), { recursive: true, force: true });
    store.delete(taskId);
  }
  let entries: string[] = [];
  try {
    entries = await readdir(mediaRoot);
  } catch {
    return expired.length;
  }
  // Read after the folder list: a task's row is written before its folder, so every folder seen has its row here.
  const known = store.listIds();
  for (const entry of entries) {
    if (!known.has(entry)) await rm(join(mediaRoot, entry), { recursive: true, force: true });
  }
  return expired.length;
}
