import { defineConfig } from '@playwright/test';

/** Debian's Chromium with WebGPU on SwiftShader (DESIGN.md flags); no browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  // SwiftShader zeroes workgroup memory slowly; Dawn's own zeroing keeps WebGPU's guarantee, faster.
  '--disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension',
];
const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:4173',
    headless: true,
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: CHROMIUM, args: [...QUIET_FLAGS, ...WEBGPU_FLAGS] },
  },
  projects: [
    { name: 'webgpu', testIgnore: /no-webgpu/ },
    {
      name: 'no-webgpu',
      testMatch: /no-webgpu/,
      // Same browser, none of the WebGPU flags, and WebGPU switched off outright.
      use: {
        launchOptions: { executablePath: CHROMIUM, args: [...QUIET_FLAGS, '--disable-features=WebGPU'] },
      },
    },
  ],
  webServer: {
    command: 'npx vite build --logLevel warn && npx vite preview',
    url: 'http://127.0.0.1:4173',
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
