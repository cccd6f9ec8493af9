// Helpers shared by the specs, and the `test` every spec imports from here.
import { test as base, expect, request as apiRequest, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { ROOT_STATE } from '../global-setup';
import { totp } from './totp';

export { expect, totp };

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

/** Where the global setup kept e2e-root's session (its storage state). */
function rootSession(): string {
  if (!existsSync(ROOT_STATE)) {
    throw new Error(`no session of e2e-root in ${ROOT_STATE}: the global setup opens it when ROSTER_E2E_PASSWORD is set (./roster.sh e2e)`);
  }
  return ROOT_STATE;
}

/** Signs in as the superuser roster.sh created for the tests, with the session the global setup
 * opened (e2e-root has a second factor, and each of its codes signs in once). Never sign this
 * page out: that would end the session every later test shares. */
export async function signInAsRoot(page: Page) {
  const state: { cookies: Parameters<BrowserContext['addCookies']>[0] } = JSON.parse(readFileSync(rootSession(), 'utf8'));
  await page.context().addCookies(state.cookies);
  await page.goto('/tenants');
  await expect(page).toHaveURL(/\/tenants$/);
  await hydrated(page);
}

/** Answers the second step of a sign-in with `code`: six digits from the app, or a recovery code. */
export async function enterCode(page: Page, code: string) {
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  // The label also holds the hint and the field's errors, so it is matched in part.
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** Adds an authenticator app where the console shows a new key (the page that asks for a
 * second factor, or My account after "Add an authenticator app"): confirms it with the code of
 * the current step, and keeps the recovery codes shown for the first app. */
export async function addAuthenticator(page: Page, name = ''): Promise<{ key: string; codes: string[] }> {
  await expect(page.getByRole('heading', { name: 'Scan this code with your authenticator app' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'QR code of the key' })).toBeVisible();
  const key = ((await page.getByLabel('Key', { exact: true }).textContent()) ?? '').trim();
  expect(key).toMatch(/^[A-Z2-7]{32}$/i);
  await page.getByLabel('Code from the app', { exact: true }).fill(totp(key));
  if (name) await page.getByLabel('Name (optional)', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  const shown = page.getByRole('region', { name: 'Save your recovery codes' });
  await expect(shown.getByRole('listitem')).toHaveCount(10);
  await expect(shown).toContainText('They will not be shown again.');
  const codes = (await shown.locator('li code').allTextContents()).map((code) => code.trim());
  for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  // Not clicked: a headless browser may refuse the clipboard.
  await expect(shown.getByRole('button', { name: 'Copy the codes' })).toBeVisible();
  await shown.getByRole('button', { name: 'I have saved them' }).click();
  await expect(shown).toHaveCount(0);
  return { key, codes };
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
 * (the superuser creates it, with the global setup's session; the admin replaces the temporary
 * password). `api` ends up signed in as the admin. */
export async function organisationWithAdmin(api: APIRequestContext, prefix: string) {
  const slug = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const password = `the boss's own passphrase ${slug}`;
  const ok = async (response: Promise<import('@playwright/test').APIResponse>) => {
    const answer = await response;
    expect(answer.ok(), await answer.text()).toBeTruthy();
    return answer.status() === 204 ? null : answer.json();
  };
  const root = await apiRequest.newContext({ baseURL: test.info().project.use.baseURL, storageState: rootSession() });
  const created = await ok(root.post('/api/v1/tenants', {
    data: { slug, name: `Org ${slug}`, admin_first_name: 'Bo', admin_last_name: 'Boss', admin_email: `boss@${slug}.test`, admin_username: 'boss' },
  })).finally(() => root.dispose());
  await ok(api.post('/api/v1/session', { data: { tenant: slug, login: 'boss', password: created.temporary_password } }));
  await ok(api.post('/api/v1/me/password', { data: { current_password: created.temporary_password, new_password: password } }));
  return { slug, password, ok };
}
