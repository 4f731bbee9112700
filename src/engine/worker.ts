/// <reference lib="webworker" />
/** The engine's dedicated Web Worker: protocol messages in, events out. */
import { Engine } from './engine';
import { decodeImage } from './io/decode-browser';
import type { EngineCommand, EngineEvent } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const engine = new Engine(
  (event: EngineEvent, transfer?: Transferable[]) => scope.postMessage(event, transfer ?? []),
  decodeImage,
);

// Commands run in order: a later one never overtakes an earlier one (init before selftest, …).
let queue: Promise<void> = Promise.resolve();
/** Opening a file in the viewer does not wait for a running reconstruction either. */
let viewerQueue: Promise<void> = Promise.resolve();
scope.onmessage = (message: MessageEvent<EngineCommand>) => {
  const command = message.data;
  // Cancel must not wait behind the work it cancels; the viewer and downloads work during a run (they
  // interleave with training steps on the GPU queue).
  // A (simulated) device loss is not queued behind the run either: a real loss strikes mid-run.
  if (
    command.type === 'cancel' ||
    command.type === 'export' ||
    command.type === 'simulate-device-loss' ||
    command.type.startsWith('viewer-')
  ) {
    void engine.handle(command);
    return;
  }
  if (command.type === 'open-splats') {
    viewerQueue = viewerQueue.then(() => engine.handle(command));
    return;
  }
  queue = queue.then(() => engine.handle(command));
};
