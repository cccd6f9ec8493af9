// Screenshots of the audit pages (dev aid, not a test): node scripts/shots-audit.mjs BASE OUT TENANT LOGIN PASSWORD USER_ID
import { chromium } from '@playwright/test';
const [base, out, tenant, login, password, userId] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
for (const [name, width, height, scheme] of [['desktop', 1440, 900, 'light'], ['tablet', 820, 1180, 'dark'], ['phone', 390, 844, 'light']]) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme });
  page.on('console', m => { if (m.type() === 'error') console.log(name, page.url(), 'console:', m.text().slice(0, 300)); });
  await page.goto(base + '/sign-in');
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('Organisation').fill(tenant);
  await page.getByLabel('Username or email').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/users$/);
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
