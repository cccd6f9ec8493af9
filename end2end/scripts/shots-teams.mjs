// Screenshots of the teams pages (dev aid, not a test): node scripts/shots-teams.mjs BASE OUT TENANT LOGIN PASSWORD
import { launch, signedInPage } from './shots-lib.mjs';
const [base, out, tenant, login, password] = process.argv.slice(2);
const browser = await launch();
for (const [name, width, height, scheme] of [['desktop', 1440, 900, 'light'], ['tablet', 820, 1180, 'dark'], ['phone', 390, 844, 'light']]) {
  const page = await signedInPage(browser, { base, name, width, height, scheme, tenant, login, password });
  await page.goto(base + '/teams');
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.screenshot({ path: `${out}/teams-${name}.png`, fullPage: true });
  await page.getByRole('link').filter({ hasText: /Support|Sales|Night/ }).first().click();
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.waitForTimeout(500);
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByLabel('Values of condition 1 (comma-separated)').fill('Sales, Support');
  await page.getByLabel('Comparison of condition 1').selectOption('in');
  await page.getByRole('button', { name: 'Preview members' }).click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/team-${name}.png`, fullPage: true });
  await page.close();
}
await browser.close();
