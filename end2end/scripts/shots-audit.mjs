// Screenshots of the audit pages (dev aid, not a test): node scripts/shots-audit.mjs BASE OUT TENANT LOGIN PASSWORD USER_ID
import { launch, signedInPage } from './shots-lib.mjs';
const [base, out, tenant, login, password, userId] = process.argv.slice(2);
const browser = await launch();
for (const [name, width, height, scheme] of [['desktop', 1440, 900, 'light'], ['tablet', 820, 1180, 'dark'], ['phone', 390, 844, 'light']]) {
  const page = await signedInPage(browser, { base, name, width, height, scheme, tenant, login, password });
  await page.goto(base + '/audit');
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.screenshot({ path: `${out}/audit-${name}.png`, fullPage: true });
  await page.locator('summary', { hasText: 'fields changed' }).first().click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/audit-open-${name}.png`, fullPage: true });
  await page.getByLabel('Actor').fill('a');
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/audit-picker-${name}.png` });
  await page.goto(base + `/users/${userId}?tab=history`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.screenshot({ path: `${out}/history-${name}.png`, fullPage: true });
  await page.close();
}
await browser.close();
