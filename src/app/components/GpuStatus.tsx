import { useStudio } from '../store';

const MiB = 1024 * 1024;

export function GpuStatus() {
  const gpu = useStudio((s) => s.gpu);
  const selftest = useStudio((s) => s.selftest);
  if (gpu.status === 'pending') {
    return (
      <div className="card" data-testid="gpu-status" data-state="pending">
        <h2>GPU</h2>
        <p>Asking the browser for a WebGPU device…</p>
      </div>
    );
  }
  if (gpu.status !== 'ready') return null;
  const { adapter } = gpu;
  return (
    <div className="card" data-testid="gpu-status" data-state="ready">
      <h2>GPU</h2>
      <dl className="facts">
        <dt>Adapter</dt>
        <dd data-testid="adapter-name">
          {[adapter.vendor, adapter.architecture].filter((s) => s && s !== 'unknown').join(' · ') ||
            'unknown'}
          {adapter.description ? ` — ${adapter.description}` : ''}
        </dd>
        <dt>Type</dt>
        <dd data-testid="adapter-type">{adapter.software ? 'software (slow)' : 'hardware'}</dd>
        <dt>Max storage binding</dt>
        <dd>{Math.round(adapter.limits.maxStorageBufferBindingSize / MiB)} MiB</dd>
        <dt>Max buffer</dt>
        <dd>{Math.round(adapter.limits.maxBufferSize / MiB)} MiB</dd>
        <dt>Workgroup storage</dt>
        <dd>{adapter.limits.maxComputeWorkgroupStorageSize / 1024} KiB</dd>
        <dt>Features</dt>
        <dd>
          {['timestamp-query', 'subgroups', 'shader-f16']
            .filter((f) => adapter.features.includes(f))
            .join(', ') || 'none of the optional ones'}
        </dd>
        <dt>Self-test</dt>
        <dd data-testid="selftest" data-verified={selftest ? String(selftest.verified) : 'pending'}>
          {selftest
            ? selftest.verified
              ? `prefix sum of ${selftest.elements.toLocaleString('en-US')} values verified on the GPU (${selftest.gpuMs.toFixed(1)} ms)`
              : `prefix sum gave ${selftest.mismatches} wrong values — this GPU is not computing correctly`
            : 'running…'}
        </dd>
      </dl>
    </div>
  );
}
