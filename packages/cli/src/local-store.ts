import { resolve } from 'node:path';
import { openStore, type SqliteStore } from '@dhuman/server';

/** An environment variable, with "" treated as unset, as the server's configuration does. */
export function envValue(name: string): string | undefined {
  const value = process.env[name];
  return value === '' ? undefined : value;
}

export function dataDirOf(flag: string | undefined): string {
  return resolve(flag ?? envValue('DHUMAN_DATA_DIR') ?? './data');
}

/** Opens the data dir's store for one command and closes it afterwards, even when the command throws. */
export function withStore<T>(dataDir: string | undefined, fn: (store: SqliteStore) => T): T {
  const store = openStore(dataDirOf(dataDir));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
