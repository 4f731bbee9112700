import type { EngineErrorInfo } from '../../engine/protocol';

const CHECKS: Record<string, { failed: string; steps: string[] }> = {
  'no-webgpu': {
    failed: 'navigator.gpu is missing: this browser does not expose WebGPU.',
    steps: [
      'Use Chrome or Edge 113 or newer (Safari 26; Firefox 141+ on Windows).',
      'On Linux, start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan.',
      'Make sure the page is served over https or from localhost (WebGPU needs a secure context).',
    ],
  },
  'no-adapter': {
    failed: 'navigator.gpu.requestAdapter() gave no adapter: WebGPU is present but no GPU was granted.',
    steps: [
      'Turn on hardware acceleration: Settings → System → "Use graphics acceleration when available", then restart the browser.',
      'Open chrome://gpu and check "WebGPU: Hardware accelerated"; if the GPU is blocklisted, update its driver.',
      'On Linux, start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan.',
    ],
  },
  'limit-too-low': {
    failed: 'The GPU adapter is below a limit the studio needs.',
    steps: ['Try a computer with a discrete GPU, or update the GPU driver and the browser.'],
  },
  'device-request-failed': {
    failed: 'The adapter refused to create a device.',
    steps: ['Close other GPU-heavy tabs and reload.', 'Update the GPU driver.'],
  },
};

export function ErrorPage({ error }: { error: EngineErrorInfo }) {
  const check = CHECKS[error.code];
  return (
    <div className="error-page" data-testid="error-page" data-code={error.code}>
      <h1>Splat studio can't use your GPU</h1>
      <p className="error-message" data-testid="error-message">
        {error.message}
      </p>
      {check ? (
        <>
          <h2>Which check failed</h2>
          <p data-testid="failed-check">{check.failed}</p>
          <h2>What to do</h2>
          <ol>
            {check.steps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </>
      ) : null}
      {error.hint && !check ? <p className="hint">{error.hint}</p> : null}
      {error.details && 'have' in error.details ? (
        <p data-testid="limit-details">
          Have {String(error.details.have)}, need {String(error.details.need)} ({String(error.details.limit)}
          ).
        </p>
      ) : null}
      <p className="small">Nothing was uploaded: the studio runs entirely in this browser.</p>
    </div>
  );
}
