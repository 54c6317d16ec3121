import { resolve } from 'node:path';
import { openStore, type SqliteStore } from '@dhuman/server';

export function dataDirOf(flag: string | undefined): string {
  return resolve(flag ?? process.env.DHUMAN_DATA_DIR ?? './data');
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
