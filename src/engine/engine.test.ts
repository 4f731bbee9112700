import { describe, expect, it } from 'vitest';
import { Engine } from './engine';
import { nodeGpu } from './gpu/node-gpu';
import { decodeImage } from './io/decode-node';
import type { EngineEvent } from './protocol';

describe('Engine protocol in Node', () => {
  it('answers init with the capability and selftest with a verified GPU result', async () => {
    const events: EngineEvent[] = [];
    const engine = new Engine((e) => events.push(e), decodeImage, nodeGpu());
    await engine.handle({ type: 'init' });
    await engine.handle({ type: 'selftest', elements: 100_000 });
    const capability = events.find((e) => e.type === 'capability');
    expect(capability).toMatchObject({ ok: true, adapter: { software: true } });
    const selftest = events.find((e) => e.type === 'selftest');
    expect(selftest).toMatchObject({
      result: { kernel: 'prefix-sum', elements: 100_000, verified: true, mismatches: 0 },
    });
    engine.dispose();
  });

  it('reports a typed capability error without WebGPU', async () => {
    const events: EngineEvent[] = [];
    const engine = new Engine((e) => events.push(e), decodeImage, {
      requestAdapter: async () => null,
    } as unknown as GPU);
    await engine.handle({ type: 'init' });
    expect(events).toEqual([
      { type: 'capability', ok: false, error: expect.objectContaining({ code: 'no-adapter' }) },
    ]);
  });

  it('emits device-lost then device-recovered when the device is destroyed', async () => {
    const events: EngineEvent[] = [];
    const engine = new Engine((e) => events.push(e), decodeImage, nodeGpu());
    await engine.handle({ type: 'init' });
    await engine.handle({ type: 'simulate-device-loss' });
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'device-recovered'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const types = events.map((e) => e.type);
    expect(types).toEqual(['capability', 'device-lost', 'device-recovered']);
    await engine.handle({ type: 'selftest', elements: 1000 });
    expect(events.at(-1)).toMatchObject({ type: 'selftest', result: { verified: true } });
    engine.dispose();
  });
});
