// API tokens in the console: an admin opens a service account's page, creates a token that
// carries part of the account's permissions, copies its secret from the one dialog that shows
// it, sees the token used, and revokes it; the program is refused from then on.
import AxeBuilder from '@axe-core/playwright';
import { expect, hydrated, organisationWithAdmin, refusedBy, signIn, test } from './support';

test('an admin creates a token for a service account, the program uses it, and a revoke stops it', async ({ page, request, browserErrors }) => {
  browserErrors.allow(refusedBy('tokens/create')); // the token without permissions
  const org = await organisationWithAdmin(request, 'tokens');
  const role = await org.ok(request.post('/api/v1/roles', {
    data: { name: 'Sync', permissions: ['users.read', 'users.create', 'users.update'] },
  }));
  const hr = await org.ok(request.post('/api/v1/users', {
    data: {
      first_name: 'HR', last_name: 'Sync', email: 'hr@example.test', username: 'hr',
      user_type: 'service', console_access: false, roles: [role.id], password: { mode: 'generate' },
    },
  }));
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await page.goto(`/users/${hr.user.id}`);
  await hydrated(page);
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page).toHaveURL(/\?tab=tokens$/);
  await expect(page.getByText('This account has no tokens yet.')).toBeVisible();

  // Only the account's own permissions are offered; none chosen is refused on the field.
  const permissions = page.getByRole('group', { name: 'Permissions' });
  await expect(permissions.getByRole('checkbox')).toHaveCount(3);
  await page.getByLabel('Name').fill('Nightly HR sync');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(permissions.getByText('This field is required.')).toBeVisible();
  await permissions.getByRole('checkbox', { name: /users\.read/ }).check();
  await expect(page.getByLabel('Expires after')).toHaveValue('90');
  await page.getByLabel('Expires after').selectOption('30');
  await page.getByRole('button', { name: 'Create token' }).click();

  const dialog = page.getByRole('dialog', { name: 'Token “Nightly HR sync” created' });
  await expect(dialog).toContainText('It will not be shown again.');
  const secret = await dialog.getByRole('textbox', { name: 'API token' }).inputValue();
  expect(secret).toMatch(/^roster_[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
  const row = page.getByRole('row').filter({ hasText: 'Nightly HR sync' });
  await expect(row).toContainText('Active');
  await expect(row).toContainText(secret.slice(0, 13));
  await expect(row).not.toContainText(secret.slice(13));
  await expect(row).toContainText('users.read');
  await expect(row.getByText('never')).toBeVisible(); // not used yet

  // The program: the header alone decides, whatever cookies the client holds.
  const auth = { Authorization: `Bearer ${secret}` };
  const listed = await request.get('/api/v1/users', { headers: auth });
  expect(listed.status(), await listed.text()).toBe(200);
  const create = await request.post('/api/v1/users', {
    headers: auth,
    data: { first_name: 'No', last_name: 'Body', email: 'no@example.test', username: 'nobody', user_type: 'agent' },
  });
  expect(create.status()).toBe(403); // the account may create users; the token may not

  await page.reload();
  await hydrated(page);
  await expect(row).toContainText('just now');
  await expect(row).toContainText(/from \S+/);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  await row.getByRole('button', { name: 'Revoke Nightly HR sync' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Revoke “Nightly HR sync”?' });
  await confirm.getByRole('button', { name: 'Revoke token' }).click();
  await expect(row).toContainText('Revoked');
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);
  const refused = await request.get('/api/v1/users', { headers: auth });
  expect(refused.status()).toBe(401);
});

test('the API reference renders the OpenAPI document, every byte from Roster itself', async ({ page, request }) => {
  const document = await (await request.get('/api/v1/openapi.json')).json();
  expect(document.openapi).toBe('3.1.0');
  const roster = new URL(test.info().project.use.baseURL ?? 'http://localhost:3000').origin;
  const elsewhere: string[] = [];
  page.on('request', (sent) => {
    const url = new URL(sent.url());
    if (!['http:', 'https:'].includes(url.protocol)) return; // data: and blob: stay in the page
    if (url.origin !== roster) elsewhere.push(sent.url());
  });
  await page.goto('/api/docs');
  await expect(page.getByRole('heading', { name: /^Roster/ }).first()).toBeVisible();
  await expect(page.getByText('PUT/users/external/{external_id}').first()).toBeAttached();
  await expect(page.getByText('Idempotency-Key').first()).toBeAttached();
  expect(elsewhere).toEqual([]);
});
