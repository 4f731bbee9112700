import { expect, test } from '@playwright/test';
import { snap } from './artifacts';

test('the studio loads, the worker gets a WebGPU device and verifies a GPU kernel', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const status = page.getByTestId('gpu-status');
  await expect(status).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('adapter-type')).toHaveText(/software/);
  await expect(page.getByTestId('adapter-name')).toContainText(/swiftshader/i);
  const selftest = page.getByTestId('selftest');
  await expect(selftest).toHaveAttribute('data-verified', 'true');
  await expect(selftest).toContainText('prefix sum of 1,048,576 values verified on the GPU');
  // The store agrees with the page: the GPU result was checked element by element in the worker.
  const result = await page.evaluate(() => {
    const studio = (window as unknown as { __studio: { store: { getState(): { selftest: unknown } } } })
      .__studio;
    return studio.store.getState().selftest;
  });
  expect(result).toMatchObject({ kernel: 'prefix-sum', elements: 1 << 20, verified: true, mismatches: 0 });
  // A software adapter gets the "slow" warning.
  await expect(page.getByTestId('notices')).toContainText('software adapter');
  await snap(page, 'shell-webgpu-ready');
  expect(errors).toEqual([]);
});
