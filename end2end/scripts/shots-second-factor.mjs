// Screenshots at 1440, 1024 and 390 px (dev aid, not a test) of two-step verification: adding
// an authenticator app on My account (the QR code, then the recovery codes), the code step of
// signing in, Settings, and a user's Sign-in tab. Each width uses its own user of TENANT, who
// signs in with PASSWORD and has no second factor yet: LOGIN_1440, LOGIN_1024, LOGIN_390.
// node scripts/shots-second-factor.mjs BASE OUT TENANT PASSWORD USER_ID LOGIN_1440 LOGIN_1024 LOGIN_390
import { createHmac } from 'node:crypto';
import { launch, signedInPage } from './shots-lib.mjs';

const [base, out, tenant, password, userId, ...logins] = process.argv.slice(2);

/** RFC 6238 (SHA-1, 30 s, six digits) for a base32 key, `offset` steps from now. */
function totp(key, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of key.toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offset));
  const mac = createHmac('sha1', bytes).update(counter).digest();
  const at = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1e6).padStart(6, '0');
}

const shot = async (page, name) => {
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
};

const browser = await launch();
for (const [[name, width, height], login] of [['1440', 1440, 900], ['1024', 1024, 768], ['390', 390, 844]].map((w, i) => [w, logins[i]])) {
  const page = await signedInPage(browser, { base, name, width, height, scheme: 'light', tenant, login, password });
  await page.goto(`${base}/account`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  const key = (await page.getByLabel('Key', { exact: true }).textContent()).trim();
  await shot(page, `account-add-app-${name}`);
  await page.getByLabel('Code from the app').fill(totp(key));
  await page.getByLabel('Name (optional)').fill('Work phone');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  await shot(page, `account-recovery-codes-${name}`);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByRole('cell', { name: 'Work phone' }).waitFor();
  await shot(page, `account-with-app-${name}`);
  await page.goto(`${base}/settings`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await shot(page, `settings-${name}`);
  await page.goto(`${base}/users/${userId}?tab=sessions`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await shot(page, `user-sign-in-tab-${name}`);
  // Signing in again: the code step, and a wrong code.
  const fresh = await browser.newPage({ viewport: { width, height } });
  await fresh.goto(`${base}/sign-in`);
  await fresh.waitForSelector('html[data-hydrated="true"]');
  await fresh.getByLabel('Organisation').fill(tenant);
  await fresh.getByLabel('Username or email').fill(login);
  await fresh.getByLabel('Password', { exact: true }).fill(password);
  await fresh.getByRole('button', { name: 'Sign in' }).click();
  await fresh.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await fresh.getByLabel('Code').fill('000000');
  await fresh.getByRole('button', { name: 'Verify' }).click();
  await fresh.getByText('This code is not right').waitFor();
  await shot(fresh, `sign-in-code-${name}`);
  await fresh.close();
  await page.close();
}
await browser.close();
