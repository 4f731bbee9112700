import type { EngineCommand, EngineEvent } from '../engine/protocol';
import { EngineClient } from './engine-client';
import { modelsManifestUrl } from './models';
import { useStudio } from './store';

/** Elements the start-up self-test scans on the GPU (a real kernel, verified against the CPU). */
const SELFTEST_ELEMENTS = 1 << 20;
const INIT_TIMEOUT_MS = 30_000;

let client: EngineClient | null = null;
const listeners = new Set<(event: EngineEvent) => void>();

/** Subscribe to every engine event (after the store has applied it). Returns the unsubscribe. */
export function onEngineEvent(listener: (event: EngineEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

let nextRequestId = 1;
export const requestId = (): number => nextRequestId++;

/** Resolves with the first event that `match` accepts (e.g. the answer carrying a request id). */
export function nextEvent<T extends EngineEvent>(
  match: (event: EngineEvent) => event is T,
  timeoutMs = 120_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('The engine did not answer in time.'));
    }, timeoutMs);
    const off = onEngineEvent((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** Start the engine worker, ask for the GPU and run the self-test. */
export function startEngine(): void {
  const { apply, fail } = useStudio.getState();
  if (typeof Worker === 'undefined') {
    fail({ code: 'no-webgpu', message: 'This browser cannot run Web Workers, which the studio needs.' });
    return;
  }
  client = new EngineClient(
    (event) => {
      apply(event);
      if (event.type === 'capability' && event.ok)
        client?.send({ type: 'selftest', elements: SELFTEST_ELEMENTS });
      for (const listener of [...listeners]) listener(event);
    },
    (message) => fail({ code: 'internal', message: `The engine worker crashed: ${message}` }),
  );
  client.send({ type: 'init', modelsUrl: modelsManifestUrl() });
  setTimeout(() => {
    if (useStudio.getState().gpu.status === 'pending') {
      fail({
        code: 'no-adapter',
        message: `The GPU did not answer within ${INIT_TIMEOUT_MS / 1000} s.`,
        hint: 'The GPU driver may be hung: close other GPU-heavy tabs and reload the page.',
      });
    }
  }, INIT_TIMEOUT_MS);
}

export function sendCommand(command: EngineCommand, transfer: Transferable[] = []): void {
  client?.send(command, transfer);
}
