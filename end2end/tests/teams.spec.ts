// Teams end to end: a membership rule built in the browser, its preview naming who joins, the
// save adding exactly them (by the rule), and a member added by hand.
import { expect, hydrated, organisationWithAdmin, signIn, test } from './support';

test('a team rule is previewed, saved, and its members appear', async ({ page, request }) => {
  const org = await organisationWithAdmin(request, 'teams');
  const person = (username: string, first: string, department: string) => org.ok(request.post('/api/v1/users', {
    data: { first_name: first, last_name: 'Tester', email: `${username}@example.test`, username, user_type: 'agent', department },
  }));
  await person('ada', 'Ada', 'Sales');
  await person('cy', 'Cy', 'sales');
  await person('bob', 'Bob', 'Support');

  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await page.goto('/teams');
  await hydrated(page);
  await expect(page.getByText('No teams yet.')).toBeVisible();
  await page.getByRole('link', { name: 'New team' }).click();
  await hydrated(page);
  await page.getByLabel('Name').fill('Sales');
  await page.getByLabel('Default role (every member holds it)').selectOption({ label: 'Read-only' });
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByLabel('Field of condition 1').selectOption('department');
  await page.getByLabel('Values of condition 1 (comma-separated)').pressSequentially('Sales');

  // The first click previews; saving needs the preview of exactly this rule.
  await page.getByRole('button', { name: 'Preview, then save' }).click();
  const preview = page.getByRole('status', { name: 'What saving does' });
  await expect(preview).toContainText('Saving adds 2, removes 0');
  await expect(preview).toContainText('Ada Tester');
  await expect(preview).toContainText('Cy Tester');
  await expect(preview).not.toContainText('Bob Tester');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page).toHaveURL(/\/teams\/[0-9a-f-]{36}$/);
  await hydrated(page);

  const members = page.getByRole('region', { name: 'Members' });
  await expect(members.getByRole('listitem')).toHaveCount(2);
  await expect(members.getByRole('listitem').filter({ hasText: 'Ada Tester' })).toContainText('By the rule');

  // Bob by hand.
  await members.getByLabel('Add a member').fill('bob');
  await page.getByRole('option').getByRole('button', { name: /Bob Tester/ }).click();
  await expect(members.getByRole('listitem')).toHaveCount(3);
  await expect(members.getByRole('listitem').filter({ hasText: 'Bob Tester' })).toContainText('Added by hand');

  await page.goto('/teams');
  await hydrated(page);
  const row = page.getByRole('row', { name: /Sales/ });
  await expect(row).toContainText('Department is Sales');
  await expect(row.getByRole('cell').last()).toHaveText('3');
});
