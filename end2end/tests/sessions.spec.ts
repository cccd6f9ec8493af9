// Where people are signed in: from "My account" someone ends the session of another browser of
// theirs, which is signed out at once; an admin ends every session of a user from the user's
// page.
import AxeBuilder from '@axe-core/playwright';
import { expect, hydrated, organisationWithAdmin, signIn, test } from './support';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 '
  + '(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

test('a session is ended from another browser, and an admin ends a user\'s sessions', async ({ page, browser, request }) => {
  const org = await organisationWithAdmin(request, 'sessions');
  const adaPassword = `ada's own passphrase ${org.slug}`;
  const ada = await org.ok(request.post('/api/v1/users', {
    data: {
      first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.test', username: 'ada', user_type: 'agent',
      password: { mode: 'set', password: adaPassword }, must_change_password: false,
    },
  }));
  // The boss on a phone, in a browser of its own.
  const phoneContext = await browser.newContext({ userAgent: IPHONE, viewport: { width: 390, height: 844 } });
  const phone = await phoneContext.newPage();
  await signIn(phone, org.slug, 'boss', org.password);
  await expect(phone).toHaveURL(/\/users$/);

  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'My account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
  const signedIn = page.getByRole('region', { name: 'Where you are signed in' });
  await expect(signedIn.getByRole('row').filter({ hasText: 'This browser' })).toHaveCount(1);
  const phoneRow = signedIn.getByRole('row').filter({ hasText: 'Safari 17' });
  await expect(phoneRow).toContainText('iPhone');
  await expect(phoneRow).toContainText('just now');
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  await phoneRow.getByRole('button', { name: /End the session on Safari 17/ }).click();
  const confirm = page.getByRole('alertdialog', { name: /End the session on Safari 17/ });
  await confirm.getByRole('button', { name: 'End session' }).click();
  await expect(phoneRow).toHaveCount(0);
  await expect(signedIn.getByRole('row').filter({ hasText: 'This browser' })).toHaveCount(1);
  // The phone is signed out at its next request.
  await phone.reload();
  await expect(phone).toHaveURL(/\/sign-in/);

  // Ada signs in elsewhere; the boss ends her sessions from her page.
  const adaContext = await browser.newContext();
  const adaPage = await adaContext.newPage();
  await signIn(adaPage, org.slug, 'ada', adaPassword);
  await expect(adaPage).not.toHaveURL(/\/sign-in/);
  await page.goto(`/users/${ada.user.id}`);
  await hydrated(page);
  await page.getByRole('link', { name: 'Sign-in', exact: true }).click();
  await expect(page).toHaveURL(/\?tab=sessions$/);
  const hers = page.getByRole('region', { name: 'Sessions', exact: true });
  // Her one session (tablets and phones show the table as cards, without a header row).
  await expect(hers.getByRole('button', { name: /End the session on/ })).toHaveCount(1);
  await hers.getByRole('button', { name: 'End all sessions' }).click();
  await page.getByRole('alertdialog', { name: "End all of this user's sessions?" })
    .getByRole('button', { name: 'End all sessions' }).click();
  await expect(hers.getByText('No browser is signed in as this user.')).toBeVisible();
  await adaPage.goto('/');
  await expect(adaPage).toHaveURL(/\/sign-in/);
  await phoneContext.close();
  await adaContext.close();
});
