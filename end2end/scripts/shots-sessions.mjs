// Screenshots at 1440, 1024 and 390 px (dev aid, not a test): My account with where one is
// signed in (another browser signed in first), and a user's Sessions tab.
// node scripts/shots-sessions.mjs BASE OUT TENANT LOGIN PASSWORD USER_ID
import { launch, signedInPage } from './shots-lib.mjs';
const [base, out, tenant, login, password, userId] = process.argv.slice(2);
const browser = await launch();
// Another browser of the same person, so the list has a session to end.
const elsewhere = await signedInPage(browser, { base, name: 'phone', width: 390, height: 844, scheme: 'light', tenant, login, password });
for (const [name, width, height] of [['1440', 1440, 900], ['1024', 1024, 768], ['390', 390, 844]]) {
  const page = await signedInPage(browser, { base, name, width, height, scheme: 'light', tenant, login, password });
  for (const [shot, path] of [['account', '/account'], ['user-sessions', `/users/${userId}?tab=sessions`]]) {
    await page.goto(base + path);
    await page.waitForSelector('html[data-hydrated="true"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${out}/${shot}-${name}.png`, fullPage: true });
  }
  await page.close();
}
await elsewhere.close();
await browser.close();
