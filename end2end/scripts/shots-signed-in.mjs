// Screenshots of the signed-in pages (dev aid, not a test): node scripts/shots-signed-in.mjs BASE OUT LOGIN PASSWORD [TEMP_ADMIN_PASSWORD]
import { chromium } from '@playwright/test';
const [base, out, login, password, tempAdmin] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
async function signIn(page, tenant, user, pass) {
  await page.goto(base + '/sign-in');
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('Organisation').fill(tenant);
  await page.getByLabel('Username or email').fill(user);
  await page.getByLabel('Password', { exact: true }).fill(pass);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
for (const [name, width, height, scheme] of [['desktop', 1440, 900, 'light'], ['tablet', 768, 1024, 'dark'], ['phone', 390, 844, 'light']]) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme });
  await signIn(page, 'platform', login, password);
  await page.waitForURL(/tenants/);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.screenshot({ path: `${out}/tenants-${name}.png`, fullPage: true });
  if (name !== 'phone') {
    const slug = `shot-${name}-${Date.now().toString(36)}`;
    await page.getByLabel('Name', { exact: true }).fill('Northwind Traders');
    await page.getByLabel('Sign-in name').fill(slug);
    await page.getByLabel('First name').fill('Nancy');
    await page.getByLabel('Last name').fill('Davolio');
    await page.getByLabel('Email').fill('nancy@northwind.test');
    await page.getByLabel('Username').fill('nancy');
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await page.getByRole('dialog').waitFor();
    await page.screenshot({ path: `${out}/tenant-created-${name}.png` });
  }
  await page.close();
}
if (tempAdmin) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page, 'platform', 'admin', tempAdmin);
  await page.waitForURL(/change-password/);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('New password', { exact: true }).fill('a fine long passphrase');
  await page.screenshot({ path: `${out}/change-password-desktop.png`, fullPage: true });
}
await browser.close();
