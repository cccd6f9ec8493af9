import { chromium } from '@playwright/test';
const [base, tenant, login, password, path, n] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
let errors = 0;
page.on('console', m => { if (m.type() === 'error') { errors++; } });
await page.goto(base + '/sign-in');
await page.waitForSelector('html[data-hydrated="true"]');
await page.getByLabel('Organisation').fill(tenant);
await page.getByLabel('Username or email').fill(login);
await page.getByLabel('Password', { exact: true }).fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(/\/users$/);
for (let i = 0; i < Number(n); i++) {
  const before = errors;
  await page.goto(base + path);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.waitForTimeout(300);
  console.log(i, errors > before ? 'PANIC' : 'ok');
}
await browser.close();
