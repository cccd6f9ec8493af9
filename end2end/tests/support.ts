// Helpers shared by the specs.
import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

/** Waits until the wasm bundle has taken over the page. */
export async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Fills and submits the sign-in form. */
export async function signIn(page: Page, tenant: string, login: string, password: string) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Organisation').fill(tenant);
  await page.getByLabel('Username or email').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in as the superuser roster.sh created for the tests (no forced password change). */
export async function signInAsRoot(page: Page) {
  await signIn(page, 'platform', 'e2e-root', process.env.ROSTER_E2E_PASSWORD ?? '');
  await expect(page).toHaveURL(/\/tenants$/);
  await hydrated(page);
}

/** The first-start superuser's temporary password, from the server's output. */
export function firstSuperuserPassword(): string {
  const log = readFileSync(process.env.ROSTER_SERVER_LOG ?? '', 'utf8');
  const match = log.match(/password\s+(\S+)/);
  if (!match) throw new Error('the server log has no first-start password');
  return match[1];
}
