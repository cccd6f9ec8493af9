// Helpers shared by the specs, and the `test` every spec imports from here.
import { test as base, expect, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

export { expect };

/** Lets a test name the browser errors it provokes on purpose. */
export type BrowserErrors = {
  /** Errors matching `pattern` do not fail this test (e.g. a refused request, which the browser
   * logs as "Failed to load resource: … status of 401"). */
  allow(pattern: RegExp): void;
};

/** What the browser logs when the server function `endpoint` (e.g. `auth/sign_in`) refuses a
 * call: a refusal is an error status, and the browser reports every error status as a failed load. */
export function refusedBy(endpoint: string): RegExp {
  const url = `/api/${endpoint}`.replace(/[/.]/g, '\\$&');
  return new RegExp(`Failed to load resource: the server responded with a status of \\d+ .*\\(https?://[^)]*${url}\\)$`);
}

/**
 * Playwright's `test`, failing every test during which a page throws an uncaught error or logs a
 * console error: the wasm bundle panicking, a failed hydration or a missing asset show up there
 * and nowhere else. It watches every browser context of the test, the `page` fixture's and any the
 * test opens with `browser.newContext()`. A test that provokes an error on purpose says so with
 * `browserErrors.allow(/…/)`.
 */
export const test = base.extend<{ browserErrors: BrowserErrors }>({
  browserErrors: [
    async ({ browser, context }, use) => {
      const seen: string[] = [];
      const allowed: RegExp[] = [];
      const watch = (watched: BrowserContext) => {
        watched.on('weberror', (error) => seen.push(`page error on ${error.page()?.url()}: ${error.error().message}`));
        watched.on('console', (message) => {
          // A failed request names the failing URL only in its location.
          const source = message.location().url;
          if (message.type() === 'error') seen.push(`console error on ${message.page()?.url()}: ${message.text()} (${source})`);
        });
      };
      watch(context);
      browser.on('context', watch);
      try {
        await use({ allow: (pattern) => allowed.push(pattern) });
      } finally {
        browser.off('context', watch);
      }
      const unexpected = seen.filter((error) => !allowed.some((pattern) => pattern.test(error)));
      expect(unexpected, 'errors in the browser during the test').toEqual([]);
    },
    { auto: true },
  ],
});

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

/** Replaces a temporary password on the forced change-password page. */
export async function chooseNewPassword(page: Page, current: string, next: string) {
  await expect(page).toHaveURL(/\/change-password$/);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Current password').fill(current);
  await page.getByLabel('New password', { exact: true }).fill('short');
  await expect(page.getByText('At least 15 characters')).not.toHaveClass(/ok/);
  await page.getByLabel('New password', { exact: true }).fill(next);
  await expect(page.getByText('At least 15 characters')).toHaveClass(/ok/);
  await page.getByLabel('Repeat the new password').fill(next);
  await page.getByRole('button', { name: 'Save the new password' }).click();
}

/** A fresh organisation whose admin `boss` has chosen `password`, set up through the JSON API
 * (the superuser creates it; the admin replaces the temporary password). `api` ends up signed in
 * as the admin. */
export async function organisationWithAdmin(api: APIRequestContext, prefix: string) {
  const slug = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const password = `the boss's own passphrase ${slug}`;
  const ok = async (response: Promise<import('@playwright/test').APIResponse>) => {
    const answer = await response;
    expect(answer.ok(), await answer.text()).toBeTruthy();
    return answer.status() === 204 ? null : answer.json();
  };
  await ok(api.post('/api/v1/session', { data: { tenant: 'platform', login: 'e2e-root', password: process.env.ROSTER_E2E_PASSWORD } }));
  const created = await ok(api.post('/api/v1/tenants', {
    data: { slug, name: `Org ${slug}`, admin_first_name: 'Bo', admin_last_name: 'Boss', admin_email: `boss@${slug}.test`, admin_username: 'boss' },
  }));
  await ok(api.post('/api/v1/session', { data: { tenant: slug, login: 'boss', password: created.temporary_password } }));
  await ok(api.post('/api/v1/me/password', { data: { current_password: created.temporary_password, new_password: password } }));
  return { slug, password, ok };
}
