// The users directory: stat cards that filter, search, sorting, keyset paging, the view kept in
// the address across a reload, the card layout on a phone, and no overflow at any width.
import type { Page } from '@playwright/test';
import { expect, hydrated, organisationWithAdmin, signIn, test } from './support';

const PEOPLE: [string, string, string, string][] = [
  ['Grace', 'Hopper', 'agent', 'active'],
  ['Alan', 'Turing', 'supervisor', 'active'],
  ['Ada', 'Lovelace', 'analyst', 'active'],
  ['Søren', 'Kierkegaard', 'viewer', 'suspended'],
  ['Zoë', 'García', 'agent', 'suspended'],
  ['Kofi', 'Mensah', 'agent', 'active'],
  ['Mei', 'Lin', 'agent', 'active'],
];

/** An organisation with its admin (boss) and the people above; the page signed in as boss. */
async function directory(page: Page, request: import('@playwright/test').APIRequestContext) {
  const org = await organisationWithAdmin(request, 'dir');
  for (const [first_name, last_name, user_type, status] of PEOPLE) {
    const username = first_name.normalize('NFD').replace(/[^a-z]/gi, '').toLowerCase();
    await org.ok(request.post('/api/v1/users', {
      data: { first_name, last_name, email: `${username}@${org.slug}.test`, username, user_type, status },
    }));
  }
  await signIn(page, org.slug, 'boss', org.password);
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  return org;
}

const rows = (page: Page) => page.locator('table.directory tbody tr');
const card = (page: Page, label: string) => page.locator('.stat-card', { hasText: label });

test('stat cards count and filter, search narrows, the view survives a reload', async ({ page, request }) => {
  await directory(page, request);
  await expect(card(page, 'Total').locator('.stat-count')).toHaveText('8');
  await expect(card(page, 'Suspended').locator('.stat-count')).toHaveText('2');
  await expect(card(page, 'Never signed in').locator('.stat-count')).toHaveText('7');
  await expect(rows(page)).toHaveCount(8);

  await card(page, 'Suspended').click();
  await expect(page).toHaveURL(/status=suspended/);
  await expect(rows(page)).toHaveCount(2);
  await expect(card(page, 'Suspended')).toHaveAttribute('aria-current', 'true');
  await expect(page.getByLabel('Status', { exact: true })).toHaveValue('suspended');
  // The same card again shows everyone.
  await card(page, 'Suspended').click();
  await expect(rows(page)).toHaveCount(8);

  // `/` focuses the search box; the results follow the typing.
  await page.locator('body').press('/');
  await expect(page.getByRole('searchbox', { name: 'Search users' })).toBeFocused();
  await page.keyboard.type('garc');
  await expect(page).toHaveURL(/q=garc/);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('Zoë García');
  await expect(card(page, 'Total').locator('.stat-count')).toHaveText('1');

  await page.getByLabel('User type', { exact: true }).selectOption('agent');
  await expect(page).toHaveURL(/user_type=agent/);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('searchbox', { name: 'Search users' })).toHaveValue('garc');
  await expect(page.getByLabel('User type', { exact: true })).toHaveValue('agent');
  await expect(rows(page)).toHaveCount(1);

  await page.getByRole('link', { name: 'Clear' }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(rows(page)).toHaveCount(8);
  await page.goto('/users?q=nobody-has-this-name');
  await expect(page.getByText('No user matches these filters.')).toBeVisible();
});

test('headers sort, pages go forward and back by cursor', async ({ page, request }) => {
  await directory(page, request);
  const names = () => rows(page).locator('.user-name').allTextContents();
  // By last name, A to Z.
  await expect.poll(names).toEqual([
    'Bo Boss', 'Zoë García', 'Grace Hopper', 'Søren Kierkegaard', 'Mei Lin', 'Ada Lovelace', 'Kofi Mensah', 'Alan Turing',
  ]);
  await page.getByRole('link', { name: 'Name' }).click();
  await expect(page).toHaveURL(/sort=-name/);
  await expect.poll(async () => (await names())[0]).toBe('Alan Turing');
  await expect(page.getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'descending');
  await page.getByRole('link', { name: 'Created' }).click();
  await expect(page).toHaveURL(/sort=-created_at/);
  await expect.poll(async () => (await names())[0]).toBe('Mei Lin');

  await page.goto('/users?limit=3');
  await hydrated(page);
  await expect.poll(names).toEqual(['Bo Boss', 'Zoë García', 'Grace Hopper']);
  await expect(page.getByText('3 shown of 8')).toBeVisible();
  await page.getByRole('link', { name: 'Next' }).click();
  await expect.poll(names).toEqual(['Søren Kierkegaard', 'Mei Lin', 'Ada Lovelace']);
  await page.getByRole('link', { name: 'Next' }).click();
  await expect.poll(names).toEqual(['Kofi Mensah', 'Alan Turing']);
  await expect(page.locator('.pager [aria-disabled="true"]', { hasText: 'Next' })).toBeVisible();
  await page.getByRole('link', { name: 'Previous' }).click();
  await expect.poll(names).toEqual(['Søren Kierkegaard', 'Mei Lin', 'Ada Lovelace']);
  await page.goBack();
  await expect.poll(names).toEqual(['Kofi Mensah', 'Alan Turing']);
});

test('below 768 px each user is a card with the same facts and actions', async ({ page, request }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await directory(page, request);
  await expect(rows(page)).toHaveCount(8);
  await expect(page.getByRole('columnheader', { name: 'Type' })).toBeHidden();
  const grace = rows(page).filter({ hasText: 'Grace Hopper' });
  await expect(grace).toHaveCSS('display', 'block');
  const box = await grace.boundingBox();
  expect(box && box.width).toBeLessThanOrEqual(390);
  await expect(grace.locator('td[data-label="Status"]')).toContainText('Active');
  await expect(grace.getByRole('button', { name: 'Suspend' })).toBeVisible();
  await grace.getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Suspend Grace Hopper?' });
  await dialog.getByRole('button', { name: 'Suspend' }).click();
  await expect(grace.locator('td[data-label="Status"]')).toContainText('Suspended');
  await expect(card(page, 'Suspended').locator('.stat-count')).toHaveText('3');
});

test('at this project\'s width nothing overflows the viewport and every row action is on screen', async ({ page, request }) => {
  // At 1024 px the table once overflowed by 59 px and pushed the row actions off-screen.
  await directory(page, request);
  await expect(rows(page)).toHaveCount(8);
  const width = page.viewportSize()!.width;
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  const actions = rows(page).locator('.actions-cell').getByRole('button');
  expect(await actions.count()).toBeGreaterThan(0);
  for (const action of await actions.all()) {
    const box = (await action.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, await action.textContent() ?? '').toBeLessThanOrEqual(width);
  }
});
