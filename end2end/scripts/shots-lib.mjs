// What the screenshot scripts share (dev aids, not tests): the browser, and signing in.
import { chromium } from '@playwright/test';

/** Debian's Chromium, headless. */
export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A page of the given size and colour scheme, signed in; console errors are printed. */
export async function signedInPage(browser, { base, name, width, height, scheme, tenant, login, password }) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme });
  page.on('console', m => { if (m.type() === 'error') console.log(name, page.url(), 'console:', m.text().slice(0, 300)); });
  await page.goto(base + '/sign-in');
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('Organisation').fill(tenant);
  await page.getByLabel('Username or email').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/users$/);
  // The URL changes before the lazily loaded page has rendered.
  await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
  return page;
}
