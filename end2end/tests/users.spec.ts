// The user lifecycle end to end, at desktop and phone widths: create a user with a generated
// password who must change it; edit while someone else edits; suspend and reset.
import type { Browser, Page } from '@playwright/test';
import { chooseNewPassword, expect, hydrated, organisationWithAdmin, refusedBy, signIn, test } from './support';

/** A signed-in page in its own browser context (its own cookies). */
async function signedIn(browser: Browser, tenant: string, login: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, tenant, login, password);
  await expect(page).not.toHaveURL(/\/sign-in$/);
  await hydrated(page);
  return page;
}

test('an admin creates a user with a generated password, who must change it at first sign-in', async ({ page, browser, request, browserErrors }) => {
  browserErrors.allow(refusedBy('users/create')); // the second user with the same email
  const org = await organisationWithAdmin(request, 'create');
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'New user' }).click();
  await expect(page.getByRole('heading', { name: 'New user' })).toBeVisible();

  // Each field is checked as it is left, with the same rules as the server.
  await page.getByLabel('Email').fill('grace');
  await page.getByLabel('First name').focus();
  await expect(page.getByText('This does not look like an email address.')).toBeVisible();
  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Last name').fill('Hopper');
  await page.getByLabel('Email').fill('grace@example.test');
  await expect(page.getByText('This does not look like an email address.')).toHaveCount(0);
  await expect(page.getByLabel('Username')).toHaveValue('grace');
  await page.getByLabel('User type').selectOption('agent');
  await expect(page.getByRole('checkbox', { name: 'Administrator' })).toBeDisabled();
  await expect(page.getByText('Agent accounts cannot hold').first()).toBeVisible();
  await page.getByRole('checkbox', { name: 'Helpdesk' }).check();
  await page.getByRole('button', { name: 'Create user' }).click();

  const dialog = page.getByRole('dialog', { name: 'User created' });
  await expect(dialog).toContainText('It will not be shown again.');
  const temporary = await dialog.getByLabel('Temporary password', { exact: true }).inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();
  await expect(page.getByText('users.reset_password', { exact: true })).toBeVisible();

  // A second user with the same email is refused on the email field.
  await page.goto('/users/new');
  await hydrated(page);
  await page.getByLabel('First name').fill('Other');
  await page.getByLabel('Last name').fill('Grace');
  await page.getByLabel('Email').fill('GRACE@example.test');
  await page.getByLabel('Username').fill('other.grace');
  await page.getByLabel('User type').selectOption('viewer');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText('Already used by another user in this organisation.')).toBeVisible();

  const grace = await (await browser.newContext()).newPage();
  await signIn(grace, org.slug, 'grace', temporary);
  await chooseNewPassword(grace, temporary, `grace's chosen passphrase ${org.slug}`);
  await expect(grace).toHaveURL(/\/users$/);
  await grace.getByRole('button', { name: 'Sign out' }).click();
  await expect(grace).toHaveURL(/\/sign-in$/);
  await signIn(grace, org.slug, 'grace', `grace's chosen passphrase ${org.slug}`);
  await expect(grace).toHaveURL(/\/users$/);
});

test('a conflicting edit from a second window is caught and merged without losing typing', async ({ page, browser, request, browserErrors }) => {
  browserErrors.allow(refusedBy('users/update')); // the stale save
  const org = await organisationWithAdmin(request, 'conflict');
  const created = await org.ok(request.post('/api/v1/users', {
    data: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.test', username: 'ada', user_type: 'agent' },
  }));
  const edit = `/users/${created.user.id}/edit`;
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await page.goto(edit);
  await hydrated(page);
  const other = await signedIn(browser, org.slug, 'boss', org.password);
  await other.goto(edit);
  await hydrated(other);

  await other.getByLabel('Department').fill('Research');
  await other.getByRole('button', { name: 'Save changes' }).click();
  await expect(other).toHaveURL(/\/users\/[0-9a-f-]{36}$/);

  await page.getByLabel('Position').fill('Analyst');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const warning = page.getByRole('alert').filter({ hasText: 'Someone else changed this user' });
  await expect(warning).toContainText('department');
  await warning.getByRole('button', { name: 'Load their changes' }).click();
  await expect(page.getByLabel('Department')).toHaveValue('Research');
  await expect(page.getByLabel('Position')).toHaveValue('Analyst');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}$/);
  await expect(page.getByText('Research')).toBeVisible();
  await expect(page.getByText('Analyst')).toBeVisible();
});

test('suspending signs the user out at their next request; a reset password must be changed', async ({ page, browser, request, browserErrors }) => {
  browserErrors.allow(refusedBy('auth/sign_in')); // the suspended user's and the replaced password's sign-ins
  const org = await organisationWithAdmin(request, 'suspend');
  const passphrase = `ada's own long passphrase ${org.slug}`;
  const created = await org.ok(request.post('/api/v1/users', {
    data: {
      first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.test', username: 'ada', user_type: 'agent',
      password: { mode: 'set', password: passphrase }, must_change_password: false,
    },
  }));
  const ada = await signedIn(browser, org.slug, 'ada', passphrase);
  await expect(ada).toHaveURL(/\/change-password$/); // an agent without roles has no section

  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await page.goto(`/users/${created.user.id}`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Suspend' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Suspend Ada Lovelace?' });
  await confirm.getByRole('button', { name: 'Suspend' }).click();
  await expect(page.locator('.page-header .badge')).toHaveText('Suspended');

  await ada.goto('/');
  await expect(ada).toHaveURL(/\/sign-in$/);
  await signIn(ada, org.slug, 'ada', passphrase);
  await expect(ada.getByRole('alert')).toContainText('suspended');

  await page.getByRole('button', { name: 'Reactivate' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Reactivate' }).click();
  await expect(page.locator('.page-header .badge')).toHaveText('Active');
  await page.getByRole('button', { name: 'Reset password' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Reset password' }).click();
  const dialog = page.getByRole('dialog', { name: 'Password reset' });
  const temporary = await dialog.getByLabel('Temporary password', { exact: true }).inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();

  await signIn(ada, org.slug, 'ada', passphrase);
  await expect(ada.getByRole('alert')).toContainText('Wrong organisation, username or password');
  await signIn(ada, org.slug, 'ada', temporary);
  await chooseNewPassword(ada, temporary, `ada's second long passphrase ${org.slug}`);
});
