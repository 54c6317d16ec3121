import type { Credential } from './api.js';

/**
 * The credential kept for this tab, only when the user asks for it ("remember for this tab"): sessionStorage
 * dies with the tab, and nothing is ever written to localStorage or cookies.
 */
export interface StoredCredential extends Credential {
  /** Unix seconds, for a temporary (dev) credential. */
  expiresAt?: number;
}

export const STORAGE_KEY = 'dhuman.demo.credential';

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export class CredentialStore {
  readonly #storage: StorageLike | undefined;

  /** `storage` is `sessionStorage`; undefined when the browser refuses it (some private modes). */
  constructor(storage: StorageLike | undefined) {
    this.#storage = storage;
  }

  /** The remembered credential, unless there is none, it is malformed, or it has expired. */
  load(nowMs = Date.now()): StoredCredential | undefined {
    let raw: string | null | undefined;
    try {
      raw = this.#storage?.getItem(STORAGE_KEY);
    } catch {
      return undefined;
    }
    if (!raw) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.clear();
      return undefined;
    }
    const parsed = parseStored(value);
    if (!parsed || (parsed.expiresAt !== undefined && parsed.expiresAt * 1000 <= nowMs)) {
      this.clear();
      return undefined;
    }
    return parsed;
  }

  save(credential: StoredCredential): void {
    const { appkey, accesstoken, expiresAt } = credential;
    try {
      this.#storage?.setItem(STORAGE_KEY, JSON.stringify({ appkey, accesstoken, expiresAt }));
    } catch {
      // Storage full or refused: remembering is a convenience, the page works without it.
    }
  }

  clear(): void {
    try {
      this.#storage?.removeItem(STORAGE_KEY);
    } catch {
      // As above.
    }
  }
}

function parseStored(value: unknown): StoredCredential | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { appkey, accesstoken, expiresAt } = value as Record<string, unknown>;
  if (typeof appkey !== 'string' || typeof accesstoken !== 'string' || !appkey || !accesstoken)
    return undefined;
  if (expiresAt !== undefined && typeof expiresAt !== 'number') return undefined;
  return expiresAt === undefined ? { appkey, accesstoken } : { appkey, accesstoken, expiresAt };
}
