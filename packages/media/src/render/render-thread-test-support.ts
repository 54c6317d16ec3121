import { readdirSync, readFileSync } from 'node:fs';
import { RENDER_THREAD_NAME } from './render-worker.js';

/** Threads of this process named as render workers (they rename themselves on start). Linux only. */
export function renderThreads(): number {
  return readdirSync('/proc/self/task').filter((task) => {
    try {
      return readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === RENDER_THREAD_NAME;
    } catch {
      return false; // the thread ended while we looked
    }
  }).length;
}
