// The foundation: pages render on the server, the wasm bundle hydrates them and handles clicks,
// the console chrome adapts to desktop, tablet and phone widths, and the pages pass axe.
import AxeBuilder from '@axe-core/playwright';
import { expect, hydrated, organisationWithAdmin, signIn, signInAsRoot, test } from './support';

test('the sign-in page hydrates and its password toggle runs in the wasm bundle', async ({ page }) => {
  const wasm = page.waitForResponse((r) => r.url().endsWith('.wasm') && r.ok());
  await page.goto('/sign-in');
  await wasm;
  await hydrated(page);

  const password = page.getByLabel('Password', { exact: true });
  await password.fill('a secret phrase');
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Show password' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: 'Hide password' }).click();
  await expect(password).toHaveAttribute('type', 'password');
});

test('without the wasm bundle the same page renders but the click does nothing', async ({ page, browserErrors }) => {
  // The aborted download, and the loader's fetch rejecting.
  browserErrors.allow(/Failed to load resource: net::ERR_FAILED \(https?:\/\/[^)]*\.wasm\)$/);
  browserErrors.allow(/^page error on [^ ]*\/sign-in: Failed to fetch$/);
  await page.route('**/*.wasm', (route) => route.abort());
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  const toggle = page.getByRole('button', { name: 'Show password' });
  await toggle.click();
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('type', 'password');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
});

test('without a session the console sends the browser to sign in', async ({ page }) => {
  await page.goto('/users');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('the console navigation marks the current section and follows links', async ({ page }, info) => {
  await signInAsRoot(page);
  await page.goto('/users');
  await hydrated(page);
  const nav = page.getByRole('navigation', { name: 'Main' });

  if (info.project.name === 'phone') {
    // On phones the navigation is a drawer behind the menu button.
    await expect(nav).toBeHidden();
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await expect(nav).toBeVisible();
  } else {
    await expect(page.getByRole('button', { name: 'Open navigation' })).toBeHidden();
  }
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveAttribute('aria-current', 'page');

  await nav.getByRole('link', { name: 'Roles' }).click();
  await expect(page).toHaveURL(/\/roles$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Roles' })).toBeVisible();
  if (info.project.name === 'phone') {
    // Following a link closed the drawer; reopen it to see which section is current.
    await expect(nav).toBeHidden();
    await page.getByRole('button', { name: 'Open navigation' }).click();
  }
  await expect(nav.getByRole('link', { name: 'Roles' })).toHaveAttribute('aria-current', 'page');
});

test('an unknown address answers 404 with a way back', async ({ page, browserErrors }) => {
  browserErrors.allow(/status of 404/);
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to the console' })).toBeVisible();
});

test('signed in, the brand link, the home address and the 404 page lead to a rendered section', async ({ page, browserErrors }) => {
  // `/` once panicked on the server for a signed-in user, and the request was never answered.
  await signInAsRoot(page);
  const tenants = async () => {
    await expect(page).toHaveURL(/\/tenants$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Tenants' })).toBeVisible();
    await hydrated(page);
  };
  await page.goto('/roles');
  await hydrated(page);
  await page.getByRole('link', { name: 'Roster', exact: true }).click();
  await tenants();

  const response = await page.goto('/');
  expect(response?.ok()).toBeTruthy();
  await tenants();

  browserErrors.allow(/status of 404/);
  await page.goto('/no-such-page');
  await hydrated(page);
  await page.getByRole('link', { name: 'Go to the console' }).click();
  await tenants();
});

test('health reports the database', async ({ request }) => {
  const response = await request.get('/healthz');
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok', database: 'ok' });
});

for (const path of ['/sign-in', '/users', '/tenants', '/audit', '/roles', '/teams']) {
  test(`axe finds no serious accessibility violations on ${path}`, async ({ page }) => {
    if (path !== '/sign-in') await signInAsRoot(page);
    await page.goto(path);
    await hydrated(page);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
}

test('axe finds no serious accessibility violations on /users/new, with roles and field errors shown', async ({ page, request }) => {
  // An organisation's admin: its system roles fill the role checklist.
  const org = await organisationWithAdmin(request, 'axe-new');
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await page.goto('/users/new');
  await hydrated(page);
  await expect(page.getByRole('group', { name: 'Roles' }).getByRole('checkbox').first()).toBeVisible();
  await page.getByLabel('Email').fill('not an address');
  await page.getByLabel('First name').focus();
  await expect(page.getByText('This does not look like an email address.')).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});
