// Screenshots at 1440, 1024 and 390 px (dev aid, not a test) of passkeys, with Chromium's
// virtual authenticator: My account's two ways to add a second factor, a passkey added (its
// recovery codes, then the list), and signing in again (the second step, then the passkey).
// Each width uses its own user of TENANT, who signs in with PASSWORD and has no second factor
// yet: LOGIN_1440, LOGIN_1024, LOGIN_390. BASE must be a domain name (http://localhost:…).
// node scripts/shots-passkey.mjs BASE OUT TENANT PASSWORD LOGIN_1440 LOGIN_1024 LOGIN_390
import { launch, signedInPage } from './shots-lib.mjs';

const [base, out, tenant, password, ...logins] = process.argv.slice(2);

const shot = async (page, name) => {
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
};

const browser = await launch();
for (const [[name, width, height], login] of [['1440', 1440, 900], ['1024', 1024, 768], ['390', 390, 844]].map((w, i) => [w, logins[i]])) {
  const page = await signedInPage(browser, { base, name, width, height, scheme: 'light', tenant, login, password });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await page.goto(`${base}/account`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByRole('button', { name: 'Add a passkey or security key' }).waitFor();
  await shot(page, `account-add-factor-${name}`);
  await page.getByLabel('Passkey name (optional)').fill('Work laptop');
  await page.getByRole('button', { name: 'Add a passkey or security key' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByRole('button', { name: 'Remove Work laptop' }).waitFor();
  await shot(page, `account-with-passkey-${name}`);
  // Signing in again in the same page (the authenticator belongs to it).
  await page.context().clearCookies();
  await page.goto(`${base}/sign-in`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('Organisation').fill(tenant);
  await page.getByLabel('Username or email').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Use a passkey or security key' }).waitFor();
  await shot(page, `sign-in-second-step-${name}`);
  await page.getByRole('button', { name: 'Use a passkey or security key' }).click();
  await page.waitForURL(/\/users$/);
  await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
  await page.close();
}
await browser.close();
