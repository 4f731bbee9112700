/** The UI's side of the worker protocol: one Worker, commands out, events into the store. */
import type { EngineCommand, EngineEvent } from '../engine/protocol';

export class EngineClient {
  private readonly worker: Worker;

  constructor(onEvent: (event: EngineEvent) => void, onCrash: (message: string) => void) {
    this.worker = new Worker(new URL('../engine/worker.ts', import.meta.url), {
      type: 'module',
      name: 'engine',
    });
    this.worker.onmessage = (message: MessageEvent<EngineEvent>) => onEvent(message.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      onCrash(event.message || 'The engine worker failed to start.');
    };
  }

  send(command: EngineCommand, transfer: Transferable[] = []): void {
    this.worker.postMessage(command, transfer);
  }

  terminate(): void {
    this.worker.terminate();
  }
}
