// Screenshots at 1440, 1024 and 390 px, signed in (dev aid, not a test): '/' (where it lands),
// the directory, the new-user form and a user's edit page.
// node scripts/shots-session.mjs BASE OUT TENANT LOGIN PASSWORD USER_ID
import { launch, signedInPage } from './shots-lib.mjs';
const [base, out, tenant, login, password, userId] = process.argv.slice(2);
const browser = await launch();
for (const [name, width, height] of [['1440', 1440, 900], ['1024', 1024, 768], ['390', 390, 844]]) {
  const page = await signedInPage(browser, { base, name, width, height, scheme: 'light', tenant, login, password });
  for (const [shot, path] of [['home', '/'], ['users', '/users'], ['new', '/users/new'], ['edit', `/users/${userId}/edit`], ['roles', '/roles'], ['audit', '/audit']]) {
    await page.goto(base + path);
    await page.waitForSelector('html[data-hydrated="true"]');
    await page.waitForTimeout(300);
    console.log(name, path, '->', new URL(page.url()).pathname);
    await page.screenshot({ path: `${out}/${shot}-${name}.png` });
  }
  await page.close();
}
await browser.close();
