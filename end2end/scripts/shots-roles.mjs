// Screenshots of the roles pages (dev aid, not a test): node scripts/shots-roles.mjs BASE OUT TENANT LOGIN PASSWORD
import { launch, signedInPage } from './shots-lib.mjs';
const [base, out, tenant, login, password] = process.argv.slice(2);
const browser = await launch();
for (const [name, width, height, scheme] of [['desktop', 1440, 900, 'light'], ['tablet', 820, 1180, 'dark'], ['phone', 390, 844, 'light']]) {
  const page = await signedInPage(browser, { base, name, width, height, scheme, tenant, login, password });
  await page.goto(base + '/roles');
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.screenshot({ path: `${out}/roles-${name}.png`, fullPage: true });
  await page.goto(base + '/roles/new');
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('Name').fill('Password desk');
  await page.getByRole('checkbox', { name: /users\.read/ }).check();
  await page.getByRole('checkbox', { name: /users\.reset_password/ }).check();
  await page.screenshot({ path: `${out}/role-new-${name}.png`, fullPage: true });
  await page.goto(base + '/roles');
  await page.getByRole('link', { name: 'Helpdesk' }).click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/role-system-${name}.png`, fullPage: true });
  await page.close();
}
await browser.close();
