import { describe, expect, it } from 'vitest';
import { CredentialStore, STORAGE_KEY } from './credential-store.js';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

describe('CredentialStore', () => {
  it('round-trips a credential, with and without expiry', () => {
    const storage = new MemoryStorage();
    const store = new CredentialStore(storage);
    store.save({ appkey: 'ak', accesstoken: 'tok' });
    expect(store.load()).toEqual({ appkey: 'ak', accesstoken: 'tok' });
    store.save({ appkey: 'ak', accesstoken: 'tok', expiresAt: 2_000 });
    expect(store.load(1_000_000)).toEqual({ appkey: 'ak', accesstoken: 'tok', expiresAt: 2_000 });
  });

  it('drops an expired credential', () => {
    const storage = new MemoryStorage();
    const store = new CredentialStore(storage);
    store.save({ appkey: 'ak', accesstoken: 'tok', expiresAt: 1_000 });
    expect(store.load(1_000_000)).toBeUndefined();
    expect(storage.items.has(STORAGE_KEY)).toBe(false);
  });

  it('drops malformed entries instead of throwing', () => {
    const storage = new MemoryStorage();
    const store = new CredentialStore(storage);
    storage.setItem(STORAGE_KEY, '{not json');
    expect(store.load()).toBeUndefined();
    storage.setItem(STORAGE_KEY, JSON.stringify({ appkey: 'ak' }));
    expect(store.load()).toBeUndefined();
    storage.setItem(STORAGE_KEY, JSON.stringify({ appkey: 'ak', accesstoken: 't', expiresAt: 'soon' }));
    expect(store.load()).toBeUndefined();
  });

  it('works, remembering nothing, without storage or with a storage that throws', () => {
    expect(new CredentialStore(undefined).load()).toBeUndefined();
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const store = new CredentialStore(refusing);
    expect(() => store.save({ appkey: 'a', accesstoken: 'b' })).not.toThrow();
    expect(store.load()).toBeUndefined();
    expect(() => store.clear()).not.toThrow();
  });

  it('clear forgets', () => {
    const store = new CredentialStore(new MemoryStorage());
    store.save({ appkey: 'ak', accesstoken: 'tok' });
    store.clear();
    expect(store.load()).toBeUndefined();
  });
});
