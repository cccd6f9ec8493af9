// Screenshots at 1440, 1024 and 390 px (dev aid, not a test): a service account's API tokens
// tab (with a token shown once, then listed), and the API reference.
// node scripts/shots-tokens.mjs BASE OUT TENANT LOGIN PASSWORD SERVICE_ACCOUNT_ID
import { launch, signedInPage } from './shots-lib.mjs';
const [base, out, tenant, login, password, account] = process.argv.slice(2);
const browser = await launch();
for (const [name, width, height] of [['1440', 1440, 900], ['1024', 1024, 768], ['390', 390, 844]]) {
  const page = await signedInPage(browser, { base, name, width, height, scheme: 'light', tenant, login, password });
  await page.goto(`${base}/users/${account}?tab=tokens`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('Name').fill(`Nightly sync ${name}`);
  await page.getByRole('group', { name: 'Permissions' }).getByRole('checkbox').first().check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('dialog').waitFor();
  await page.screenshot({ path: `${out}/token-secret-${name}.png` });
  await page.getByRole('button', { name: 'Done' }).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/tokens-${name}.png`, fullPage: true });
  await page.goto(`${base}/api/docs`);
  await page.getByText('Keeping Roster in step').first().waitFor().catch(() => {});
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${out}/api-docs-${name}.png` });
  await page.close();
}
await browser.close();
