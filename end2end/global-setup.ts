// Signs the tests' superuser (e2e-root, which roster.sh creates with ROSTER_E2E_PASSWORD) in
// once for the whole run. Superusers must have a second factor and each of its codes signs in
// once, so the specs cannot sign e2e-root in again and again: this adds an authenticator app to
// it through the JSON API and keeps the session (for signInAsRoot and organisationWithAdmin)
// and the app's key in end2end/.auth/. Nothing may sign that session out.
import { request, type APIRequestContext, type FullConfig } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { totp } from './tests/totp';

/** e2e-root's session, as Playwright's storage state. */
export const ROOT_STATE = join(__dirname, '.auth', 'root.json');
/** The key of e2e-root's authenticator app, for a later run against the same server. */
export const ROOT_KEY = join(__dirname, '.auth', 'root-totp.txt');

export default async function globalSetup(config: FullConfig) {
  // A session from an earlier run would belong to another server (roster.sh starts each run on
  // a fresh database).
  rmSync(ROOT_STATE, { force: true });
  const password = process.env.ROSTER_E2E_PASSWORD;
  if (!password) {
    console.warn('ROSTER_E2E_PASSWORD is not set: the tests that need e2e-root will fail (./roster.sh e2e sets it)');
    return;
  }
  const api = await request.newContext({ baseURL: config.projects[0]?.use.baseURL });
  try {
    const signIn = await api.post('/api/v1/session', { data: { tenant: 'platform', login: 'e2e-root', password } });
    const body = await signIn.text();
    if (signIn.status() === 200) {
      await enrol(api);
    } else if (signIn.status() === 401 && body.includes('"second_factor_required"')) {
      await answerWithKeptKey(api);
    } else {
      throw new Error(`e2e-root could not sign in: ${signIn.status()} ${body}`);
    }
    const me = await api.get('/api/v1/me');
    const who = await me.text();
    if (!me.ok() || JSON.parse(who).must_enrol_second_factor) throw new Error(`e2e-root is not signed in for good: ${me.status()} ${who}`);
    mkdirSync(dirname(ROOT_STATE), { recursive: true });
    await api.storageState({ path: ROOT_STATE });
  } finally {
    await api.dispose();
  }
}

/** A fresh server: adds the app (its first code confirms it) and keeps its key. */
async function enrol(api: APIRequestContext) {
  const started = await api.post('/api/v1/me/second-factors/totp');
  if (started.status() !== 201) throw new Error(`e2e-root could not start adding an app: ${started.status()} ${await started.text()}`);
  const { id, secret } = await started.json();
  const confirmed = await api.post(`/api/v1/me/second-factors/totp/${id}/confirm`, {
    data: { code: totp(secret, 0), name: 'Playwright' },
  });
  if (!confirmed.ok()) throw new Error(`e2e-root could not confirm its app: ${confirmed.status()} ${await confirmed.text()}`);
  mkdirSync(dirname(ROOT_KEY), { recursive: true });
  writeFileSync(ROOT_KEY, `${secret}\n`, { mode: 0o600 });
}

/** A server an earlier run already used: e2e-root has the app whose key that run kept. */
async function answerWithKeptKey(api: APIRequestContext) {
  if (!existsSync(ROOT_KEY)) {
    throw new Error(`e2e-root already has a second factor but ${ROOT_KEY}, where the run that added it keeps its key, `
      + 'is missing: run the tests against a fresh server (./roster.sh e2e starts one on a new database)');
  }
  const key = readFileSync(ROOT_KEY, 'utf8').trim();
  // A code is accepted once, and never one of a step before the last accepted one: the last
  // run may have used this step's code, or, less than 30 s ago, the next step's too; then the
  // step after that becomes acceptable once the next step has begun. At most two wrong codes,
  // of the five a sign-in may take.
  const tries: [offset: number, waitForNextStep: boolean][] = [[0, false], [1, false], [1, true]];
  let last = '';
  for (const [offset, waitForNextStep] of tries) {
    if (waitForNextStep) await new Promise((done) => setTimeout(done, 30_000 - (Date.now() % 30_000) + 1_000));
    const answer = await api.post('/api/v1/session/second-factor', { data: { code: totp(key, offset) } });
    if (answer.ok()) return;
    last = `${answer.status()} ${await answer.text()}`;
    if (answer.status() !== 422) break;
  }
  throw new Error(`e2e-root refuses the codes of the key in ${ROOT_KEY} (${last}): `
    + 'run the tests against a fresh server (./roster.sh e2e starts one on a new database)');
}
