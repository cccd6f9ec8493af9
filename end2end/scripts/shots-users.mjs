// Screenshots of the users pages (dev aid, not a test): node scripts/shots-users.mjs BASE OUT TENANT LOGIN PASSWORD USER_ID
import { launch, signedInPage } from './shots-lib.mjs';
const [base, out, tenant, login, password, userId] = process.argv.slice(2);
const browser = await launch();
for (const [name, width, height, scheme] of [['desktop', 1440, 900, 'light'], ['tablet', 768, 1024, 'dark'], ['phone', 390, 844, 'light']]) {
  const page = await signedInPage(browser, { base, name, width, height, scheme, tenant, login, password });
  await page.screenshot({ path: `${out}/users-${name}.png`, fullPage: true });
  await page.getByRole('searchbox').fill('garc');
  await page.waitForURL(/q=garc/);
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/users-search-${name}.png`, fullPage: true });
  if (!userId) { await page.close(); continue; }
  await page.goto(base + '/users/new');
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('Email').fill('robert');
  await page.getByLabel('First name').fill('Robert');
  await page.getByLabel('User type').selectOption('viewer');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/new-${name}.png`, fullPage: true });
  await page.goto(base + `/users/${userId}`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.screenshot({ path: `${out}/user-${name}.png`, fullPage: true });
  await page.goto(base + `/users/${userId}/edit`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.screenshot({ path: `${out}/edit-${name}.png`, fullPage: true });
  await page.close();
}
await browser.close();
