/// <reference lib="webworker" />
/** The engine's dedicated Web Worker: protocol messages in, events out. */
import { Engine } from './engine';
import type { EngineCommand, EngineEvent } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const engine = new Engine((event: EngineEvent, transfer?: Transferable[]) =>
  scope.postMessage(event, transfer ?? []),
);

// Commands run in order: a later one never overtakes an earlier one (init before selftest, …).
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (message: MessageEvent<EngineCommand>) => {
  const command = message.data;
  // Cancel must not wait behind the work it cancels.
  if (command.type === 'cancel') {
    void engine.handle(command);
    return;
  }
  queue = queue.then(() => engine.handle(command));
};
