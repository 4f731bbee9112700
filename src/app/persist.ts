/** The last result survives a reload: its .ply is kept in IndexedDB (one record, replaced each time). */
const DB = 'splat-studio';
const STORE = 'results';
const KEY = 'last';

export interface SavedResult {
  ply: ArrayBuffer;
  count: number;
  savedAt: number;
  /** What produced it (photo names or the opened file). */
  label: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = run(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const saveResult = (result: SavedResult): Promise<void> =>
  transact<unknown>('readwrite', (s) => s.put(result, KEY)).then(() => undefined);

export async function loadResult(): Promise<SavedResult | null> {
  try {
    return (await transact<SavedResult | undefined>('readonly', (s) => s.get(KEY))) ?? null;
  } catch {
    return null; // private browsing or storage switched off: nothing saved
  }
}
