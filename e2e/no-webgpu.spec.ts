import { expect, test } from '@playwright/test';
import { snap } from './artifacts';

test('without WebGPU the studio shows the error page with the specific reason', async ({ page }) => {
  await page.goto('/');
  const errorPage = page.getByTestId('error-page');
  await expect(errorPage).toBeVisible();
  const code = await errorPage.getAttribute('data-code');
  // Chromium with WebGPU disabled either hides navigator.gpu or grants no adapter; both are named precisely.
  expect(['no-webgpu', 'no-adapter']).toContain(code);
  const expected =
    code === 'no-webgpu' ? /navigator\.gpu is missing/ : /requestAdapter\(\) (returned null|gave no adapter)/;
  await expect(page.getByTestId('failed-check')).toHaveText(expected);
  await expect(page.getByText('What to do')).toBeVisible();
  await expect(page.getByText(/hardware acceleration|Chrome or Edge 113/).first()).toBeVisible();
  await snap(page, `no-webgpu-${code}`);
});
