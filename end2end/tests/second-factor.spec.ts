// Two-step verification end to end: someone adds an authenticator app on "My account" and signs
// in with its codes and with a recovery code; an organisation that requires a second factor of
// its administrators sends its admin to add one before anything else; an admin resets a user's
// second factor from the user's page.
import {
  addAuthenticator, enterCode, expect, hydrated, organisationWithAdmin, refusedBy, signIn, test, totp,
} from './support';

test('an app added on My account is asked for at sign-in; a recovery code stands in for it once', async ({ page, request, browserErrors }) => {
  browserErrors.allow(refusedBy('auth/sign_in')); // the right password answers "second factor required"
  const org = await organisationWithAdmin(request, 'mfa');
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'My account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  const factors = page.getByRole('region', { name: 'Two-step verification' });
  await expect(factors).toContainText('You have not added one yet.');
  await factors.getByRole('button', { name: 'Add an authenticator app' }).click();
  const { key, codes } = await addAuthenticator(page, 'Work phone');
  await expect(factors.getByRole('button', { name: 'Remove Work phone' })).toBeVisible();
  await expect(factors).toContainText('Authenticator app');
  await expect(factors).toContainText('10 recovery codes left.');
  await expect(factors.getByRole('button', { name: 'Add an authenticator app' })).toBeVisible();

  // The password alone no longer signs in: the app's code follows. Adding the app used the code
  // of its step; the next step's is still unused.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await signIn(page, org.slug, 'boss', org.password);
  await enterCode(page, totp(key, 1));
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);

  // A recovery code instead: it works, and one fewer is left.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await signIn(page, org.slug, 'boss', org.password);
  await enterCode(page, codes[3]);
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'My account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(factors).toContainText('9 recovery codes left.');
});

test('requiring a second factor of administrators sends the admin to add one first', async ({ page, request }) => {
  const org = await organisationWithAdmin(request, 'mfa-policy');
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.locator('nav a[href="/settings"]')).toHaveCount(1);
  await page.goto('/settings');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  const policy = page.getByRole('form', { name: 'Two-step verification' });
  await expect(policy.getByRole('radio', { name: 'Optional: whoever wants one' })).toBeChecked();
  const save = policy.getByRole('button', { name: 'Save', exact: true });
  await expect(save).toBeDisabled();
  await policy.getByRole('radio', { name: 'Required for administrators' }).check();
  await expect(save).toBeEnabled();
  // The admin holds tenant.settings, so the console may send them on as soon as it is saved;
  // the answer, not the "Saved." that shows meanwhile, says it was.
  const saved = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/second_factors/settings'
    && (r.request().postData() ?? '').includes('administrators'));
  await save.click();
  expect((await saved).ok()).toBeTruthy();

  await page.goto('/users');
  await expect(page).toHaveURL(/\/second-factor$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Add a second factor' })).toBeVisible();
  await expect(page.getByText('Your organisation requires two-step verification.')).toBeVisible();
  await hydrated(page);
  await addAuthenticator(page);
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
});

test('an admin resets a user\'s second factor, which signs the user out', async ({ page, request, playwright, baseURL }) => {
  const org = await organisationWithAdmin(request, 'mfa-reset');
  const adaPassword = `ada's own passphrase ${org.slug}`;
  const ada = await org.ok(request.post('/api/v1/users', {
    data: {
      first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.test', username: 'ada', user_type: 'agent',
      password: { mode: 'set', password: adaPassword }, must_change_password: false,
    },
  }));
  // Ada adds an app through the JSON API, in a client of her own.
  const adaApi = await playwright.request.newContext({ baseURL });
  try {
    await org.ok(adaApi.post('/api/v1/session', { data: { tenant: org.slug, login: 'ada', password: adaPassword } }));
    const started = await org.ok(adaApi.post('/api/v1/me/second-factors/totp'));
    const confirmed = await org.ok(adaApi.post(`/api/v1/me/second-factors/totp/${started.id}/confirm`, {
      data: { code: totp(started.secret), name: 'Ada phone' },
    }));
    expect(confirmed.recovery_codes).toHaveLength(10);

    await signIn(page, org.slug, 'boss', org.password);
    await expect(page).toHaveURL(/\/users$/);
    await page.goto(`/users/${ada.user.id}`);
    await hydrated(page);
    await page.getByRole('link', { name: 'Sign-in', exact: true }).click();
    await expect(page).toHaveURL(/\?tab=sessions$/);
    const factors = page.getByRole('region', { name: 'Two-step verification' });
    await expect(factors).toContainText('Ada phone');
    await expect(factors).toContainText('10 recovery codes left.');
    await factors.getByRole('button', { name: 'Reset second factor' }).click();
    await page.getByRole('alertdialog', { name: "Reset Ada Lovelace's second factor?" })
      .getByRole('button', { name: 'Reset second factor' }).click();
    await expect(factors).toContainText('None: a password alone signs them in.');
    // Her sessions ended with it.
    const sessions = page.getByRole('region', { name: 'Sessions', exact: true });
    await expect(sessions.getByText('No browser is signed in as this user.')).toBeVisible();
    expect((await adaApi.get('/api/v1/me')).status()).toBe(401);
  } finally {
    await adaApi.dispose();
  }
});
