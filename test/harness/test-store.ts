import { after, before } from 'node:test';
import { openStore, type Store } from '../../src/storage/index.js';
import { createTestDatabase, type TestEngine } from './engines.js';

/**
 * A migrated store over a fresh database for the enclosing describe(); `get()` inside tests.
 * For storage-level suites that test the store interface directly, without HTTP.
 */
export function useTestStore(engine: TestEngine): () => Store {
  let store: Store | undefined;
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    const created = await createTestDatabase(engine);
    drop = created.drop;
    store = openStore(created.url, { sqliteSynchronous: 'normal', poolSize: 20 });
    await store.migrate();
  });
  after(async () => {
    await store?.close();
    await drop?.();
  });
  return () => {
    if (!store) throw new Error('test store not open');
    return store;
  };
}
