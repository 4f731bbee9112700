import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';

/** Screenshots of each step, kept as test artefacts in e2e-artifacts/ (look at them). */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync('e2e-artifacts', { recursive: true });
  await page.screenshot({ path: `e2e-artifacts/${name}.png`, fullPage: true });
}
