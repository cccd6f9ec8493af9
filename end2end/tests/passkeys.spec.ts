// Passkeys end to end, in Chromium with its virtual authenticator (the DevTools protocol's
// WebAuthn domain: a platform authenticator that verifies its user at once). Someone adds a
// passkey on My account and signs in with it after the password, and its answer cannot be
// replayed; an organisation that requires a second factor lets its admin add a passkey instead
// of an app. The console runs at http://localhost (roster.sh's ROSTER_BASE_URL): browsers make
// passkeys for domain names, never for an IP address.
import type { CDPSession, Page } from '@playwright/test';
import { expect, hydrated, organisationWithAdmin, refusedBy, signIn, test } from './support';

/** A virtual authenticator on `page`'s browser, and how to read the credentials it holds. */
async function virtualAuthenticator(page: Page) {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  return async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
}

/** Adds a passkey on the page that shows the form (My account, or the forced enrolment), and
 * closes the recovery codes shown for a first factor. */
async function addPasskey(page: Page, name: string) {
  if (name) await page.getByLabel('Passkey name (optional)').fill(name);
  await page.getByRole('button', { name: 'Add a passkey or security key' }).click();
  const shown = page.getByRole('region', { name: 'Save your recovery codes' });
  await expect(shown.getByRole('listitem')).toHaveCount(10);
  await shown.getByRole('button', { name: 'I have saved them' }).click();
}

test('a passkey added on My account signs in after the password, and its answer works once', async ({ page, request, playwright, baseURL, browserErrors }) => {
  browserErrors.allow(refusedBy('auth/sign_in')); // the right password answers "second factor required"
  const org = await organisationWithAdmin(request, 'passkey');
  const credentials = await virtualAuthenticator(page);
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'My account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  const factors = page.getByRole('region', { name: 'Two-step verification' });
  await expect(factors).toContainText('You have not added one yet.');
  await addPasskey(page, 'Laptop');
  await expect(factors.getByRole('button', { name: 'Remove Laptop' })).toBeVisible();
  await expect(factors).toContainText('Passkey or security key');
  await expect(factors).toContainText('10 recovery codes left.');
  const [made] = await credentials();
  expect(made.rpId).toBe('localhost');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  const answered = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/auth/second_factor');
  await page.getByRole('button', { name: 'Use a passkey or security key' }).click();
  const assertion = new URLSearchParams((await answered).postData() ?? '').get('passkey');
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  const [used] = await credentials();
  expect(used.signCount).toBeGreaterThan(made.signCount);

  // The same signed answer, sent again for a new sign-in (whose challenge differs): refused.
  expect(assertion).toBeTruthy();
  const other = await playwright.request.newContext({ baseURL });
  try {
    const password = await other.post('/api/v1/session', { data: { tenant: org.slug, login: 'boss', password: org.password } });
    expect(password.status()).toBe(401);
    expect(await other.post('/api/v1/session/second-factor/passkey')).toBeOK();
    const replayed = await other.post('/api/v1/session/second-factor', { data: { passkey: JSON.parse(assertion ?? '') } });
    expect(replayed.status()).toBe(422);
    expect((await replayed.json()).fields).toEqual({ passkey: ['key_refused'] });
  } finally {
    await other.dispose();
  }
});

test('where a second factor is required, a passkey can be the one added', async ({ page, request }) => {
  const org = await organisationWithAdmin(request, 'passkey-policy');
  await org.ok(request.put('/api/v1/settings/second-factor', { data: { policy: 'everyone' } }));
  await virtualAuthenticator(page);
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/second-factor$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Or use a passkey or security key' })).toBeVisible();
  await addPasskey(page, '');
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
});
