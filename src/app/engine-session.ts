import type { EngineCommand } from '../engine/protocol';
import { EngineClient } from './engine-client';
import { useStudio } from './store';

/** Elements the start-up self-test scans on the GPU (a real kernel, verified against the CPU). */
const SELFTEST_ELEMENTS = 1 << 20;
const INIT_TIMEOUT_MS = 30_000;

let client: EngineClient | null = null;

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
    },
    (message) => fail({ code: 'internal', message: `The engine worker crashed: ${message}` }),
  );
  client.send({ type: 'init' });
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
