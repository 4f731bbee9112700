/** A GpuContext for Node tests and scripts (Dawn; SwiftShader when there is no GPU). */
import { GpuContext } from './context';
import { nodeGpu } from './node-gpu';

export function testGpu(autoRecover = false): Promise<GpuContext> {
  return GpuContext.create({ gpu: nodeGpu() }, autoRecover);
}
