// Roles end to end: a custom role built in the permission matrix, given to a user, who then sees
// exactly the actions it allows; system roles are read-only; deleting says who loses the role.
import type { Browser } from '@playwright/test';
import { expect, hydrated, organisationWithAdmin, signIn, test } from './support';

async function signedIn(browser: Browser, tenant: string, login: string, password: string) {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, tenant, login, password);
  await expect(page).not.toHaveURL(/\/sign-in$/);
  await hydrated(page);
  return page;
}

test('a role built in the matrix gives its holder exactly its actions', async ({ page, browser, request }) => {
  const org = await organisationWithAdmin(request, 'roles');
  const adaPassword = `ada's own passphrase ${org.slug}`;
  const ada = await org.ok(request.post('/api/v1/users', {
    data: {
      first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.test', username: 'ada', user_type: 'agent',
      password: { mode: 'set', password: adaPassword }, must_change_password: false,
    },
  }));
  const grace = await org.ok(request.post('/api/v1/users', {
    data: { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.test', username: 'grace', user_type: 'viewer' },
  }));

  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await page.goto('/roles');
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Helpdesk/ })).toContainText('System');

  // System roles open read-only.
  await page.getByRole('link', { name: 'Helpdesk' }).click();
  await expect(page.getByRole('note')).toContainText('System roles are read-only');
  await expect(page.getByRole('checkbox', { name: /users\.reset_password/ })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save changes' })).toHaveCount(0);

  // A custom role: the whole Users group, then three of it taken back (the group box is mixed).
  await page.goto('/roles/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('Password desk');
  await page.getByLabel('Description').fill('Looks people up and resets passwords.');
  const users = page.getByRole('group', { name: 'Users' });
  await users.getByRole('checkbox', { name: 'Users', exact: true }).check();
  for (const key of ['users.create', 'users.update', 'users.suspend']) {
    await users.getByRole('checkbox', { name: new RegExp(key.replace('.', '\\.')) }).uncheck();
  }
  const groupBox = users.getByRole('checkbox', { name: 'Users', exact: true });
  expect(await groupBox.evaluate((box: HTMLInputElement) => box.indeterminate)).toBe(true);
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page).toHaveURL(/\/roles\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Password desk' })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: /users\.reset_password/ })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: /users\.suspend/ })).not.toBeChecked();

  // Given to Ada on her edit form.
  await page.goto(`/users/${ada.user.id}/edit`);
  await hydrated(page);
  await page.getByRole('checkbox', { name: 'Password desk' }).check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}$/);
  // Her page says where each permission comes from, and answers "can this user …?".
  await expect(page.getByText('From role Password desk').first()).toBeVisible();
  await hydrated(page);
  const can = page.getByLabel('Can this user…');
  await can.selectOption('users.reset_password');
  await expect(page.getByRole('status').filter({ hasText: 'Yes' })).toHaveText('Yes, through role Password desk.');
  await can.selectOption('users.suspend');
  await expect(page.getByRole('status').filter({ hasText: 'No' })).toHaveText('No: none of their roles or teams grants it.');

  // Ada sees the directory and may reset Grace's password, and nothing more.
  const adaPage = await signedIn(browser, org.slug, 'ada', adaPassword);
  await expect(adaPage).toHaveURL(/\/users$/);
  await expect(adaPage.getByRole('link', { name: 'New user' })).toHaveCount(0);
  await expect(adaPage.locator('nav a[href="/roles"]')).toHaveCount(0);
  await expect(adaPage.locator('nav a[href="/audit"]')).toHaveCount(0);
  await adaPage.goto(`/users/${grace.user.id}`);
  await hydrated(adaPage);
  await expect(adaPage.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();
  await expect(adaPage.getByRole('button', { name: 'Reset password' })).toBeVisible();
  await expect(adaPage.getByRole('link', { name: 'Edit' })).toHaveCount(0);
  await expect(adaPage.getByRole('button', { name: 'Suspend' })).toHaveCount(0);

  // Deleting the role says who loses it; Ada's next request no longer has it.
  await page.goto('/roles');
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Password desk/ }).getByRole('cell').last()).toHaveText('1');
  await page.getByRole('link', { name: 'Password desk' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Delete role' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('1 user holds it and will lose it.');
  await dialog.getByRole('button', { name: 'Delete role' }).click();
  await expect(page).toHaveURL(/\/roles$/);
  await expect(page.getByRole('link', { name: 'Password desk' })).toHaveCount(0);
  await adaPage.reload();
  await hydrated(adaPage);
  await expect(adaPage.getByRole('button', { name: 'Reset password' })).toHaveCount(0);
});
