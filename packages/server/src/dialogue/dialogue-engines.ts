import { statSync } from 'node:fs';
import type { DialogueEngine, DialogueSettings, ProjectStore, SessionRecord } from '@dhuman/core';

/** Makes the engine a setting names; rejects with a message that says what is wrong (file, URL, model). */
export type DialogueEngineFactory = (settings: DialogueSettings) => Promise<DialogueEngine>;

/**
 * The dialogue engines of this process, one per distinct project setting, made on first use and shared by every
 * session of those projects (engines keep no per-session state). An FAQ file edited on disk is read again: its
 * modification time is part of the cache key. A failed load is not cached, so fixing the file is enough.
 */
export class DialogueEngines {
  readonly #engines = new Map<string, Promise<DialogueEngine>>();

  constructor(
    private readonly projects: Pick<ProjectStore, 'getProject'>,
    private readonly create: DialogueEngineFactory,
  ) {}

  /** The loader of a session's engine, or undefined when its project has none (or it was made by asset). */
  forSession(session: Pick<SessionRecord, 'projectId'>): (() => Promise<DialogueEngine>) | undefined {
    if (!session.projectId) return undefined;
    const settings = this.projects.getProject(session.projectId)?.dialogue;
    if (!settings) return undefined;
    return () => this.engine(settings);
  }

  engine(settings: DialogueSettings): Promise<DialogueEngine> {
    const key = cacheKey(settings);
    let engine = this.#engines.get(key);
    if (!engine) {
      engine = this.create(settings);
      this.#engines.set(key, engine);
      engine.catch(() => this.#engines.delete(key));
    }
    return engine;
  }

  close(): void {
    for (const engine of this.#engines.values()) engine.then((e) => e.close()).catch(() => undefined);
    this.#engines.clear();
  }
}

function cacheKey(settings: DialogueSettings): string {
  if (settings.engine !== 'faq' || !settings.file.startsWith('/')) return JSON.stringify(settings);
  let version = 'missing';
  try {
    version = String(statSync(settings.file).mtimeMs);
  } catch {
    // Left to the factory, which reports the missing file.
  }
  return `${JSON.stringify(settings)}@${version}`;
}
