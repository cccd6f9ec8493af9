// Takes screenshots of Roster pages for people to look at: each path at desktop, tablet and
// phone widths, in the light and the dark theme.
//
//   node scripts/screenshots.mjs http://localhost:3000 /tmp/shots /sign-in /users
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const [base = 'http://localhost:3000', out = '/tmp/roster-shots', ...paths] = process.argv.slice(2);
const widths = { desktop: [1440, 900], tablet: [768, 1024], phone: [390, 844] };
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.ROSTER_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
for (const path of paths.length ? paths : ['/sign-in', '/users']) {
  for (const [device, [width, height]] of Object.entries(widths)) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await browser.newPage({ viewport: { width, height }, colorScheme });
      await page.goto(base + path);
      await page.waitForSelector('html[data-hydrated="true"]', { timeout: 10_000 }).catch(() => {});
      const name = `${path.replace(/\W+/g, '_').replace(/^_|_$/g, '') || 'root'}-${device}-${colorScheme}.png`;
      await page.screenshot({ path: `${out}/${name}`, fullPage: true });
      await page.close();
      console.log(`${out}/${name}`);
    }
  }
}
await browser.close();
