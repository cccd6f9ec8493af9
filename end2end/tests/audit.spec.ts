// The audit trail end to end: an edit made in the browser shows up on the Audit page with its
// field diff once filtered to the user, the filters live in the address, the export carries
// them, and the user's History tab tells the same story.
import { expect, hydrated, organisationWithAdmin, signIn, test } from './support';

test('a change shows on the Audit page with its field diff, and on the user\'s History tab', async ({ page, request }) => {
  const org = await organisationWithAdmin(request, 'audit');
  const created = await org.ok(request.post('/api/v1/users', {
    data: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.test', username: 'ada', user_type: 'agent' },
  }));
  const id: string = created.user.id;
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await page.goto(`/users/${id}/edit`);
  await hydrated(page);
  await page.getByLabel('Position').fill('Analyst');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}$/);

  // The whole trail first, then only what happened to Ada, chosen with the target picker.
  await page.goto('/audit');
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  await hydrated(page);
  const events = page.getByRole('list', { name: 'Audit events' });
  await expect(events.getByRole('listitem').filter({ hasText: 'Signed in' }).first()).toBeVisible();
  await page.getByLabel('Target').fill('ada');
  await page.getByRole('option').getByRole('button', { name: /Ada Lovelace/ }).click();
  await expect(page).toHaveURL(new RegExp(`target=${id}`));
  await expect(events.getByRole('listitem')).toHaveCount(2);
  await expect(page.getByRole('search', { name: 'Filter events' })).toContainText('ada');

  const edited = events.getByRole('listitem').filter({ hasText: 'User edited' });
  await expect(edited).toContainText('Bo Boss');
  await edited.locator('summary').click();
  const position = edited.getByRole('row', { name: /Position/ });
  await expect(position.getByRole('cell').nth(0)).toHaveText('—');
  await expect(position.getByRole('cell').nth(1)).toHaveText('Analyst');

  // The action filter narrows further; Back restores the previous view.
  await page.getByLabel('Action').selectOption('user.created');
  await expect(page).toHaveURL(/action=user.created/);
  await expect(events.getByRole('listitem')).toHaveCount(1);
  await expect(events).toContainText('User created');
  await page.goBack();
  await expect(events.getByRole('listitem')).toHaveCount(2);

  // The export link carries the filters: a CSV of the same two events.
  const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  expect(href).toContain(`target=${id}`);
  const csv = await page.request.get(href ?? '');
  expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
  const text = await csv.text();
  expect(text).toContain('user.updated');
  expect(text).toContain('position: — → Analyst');

  // Ada's History tab: the same events, newest first.
  await page.goto(`/users/${id}`);
  await hydrated(page);
  await page.getByRole('link', { name: 'History' }).click();
  await expect(page).toHaveURL(/tab=history/);
  const history = page.getByRole('list', { name: 'Audit events' });
  await expect(history.getByRole('listitem')).toHaveCount(2);
  await expect(history.getByRole('listitem').first()).toContainText('User edited');
  await expect(history.getByRole('listitem').last()).toContainText('User created');
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
});
