// The console in a real browser (Debian's Chromium driven by playwright-core) against the real
// local stack (orgs-local serve: the functions, the development OIDC issuer, DynamoDB Local, S3).
// One signed-in walk through what the issue asks for, an axe-core check on every page (no serious
// or critical violation), no Content-Security-Policy violation, and screenshots for docs/console.
//   CONSOLE_URL: the console (e.g. http://127.0.0.1:3000/console/); SCREENSHOTS: where PNGs go
//   (unset: none); CHROMIUM: the browser (default /usr/bin/chromium).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const URL_ = process.env.CONSOLE_URL || 'http://127.0.0.1:3000/console/';
const SHOTS = process.env.SCREENSHOTS || '';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// Names are unique per run; on the fresh table of scripts/console-test (FRESH_TABLE=1) they are
// plain, which keeps the screenshots readable.
const run = process.env.FRESH_TABLE ? '' : Date.now().toString(36);
const N = (name) => (run ? `${name} ${run}` : name);
const C = (code) => (run ? `${code}-${run}` : code);
const ADMIN = 'admin@example.com';

let browser, page;
const cspViolations = [];
const pageErrors = [];

async function shot(name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/** axe-core on the page as it is: no serious or critical violation. */
async function accessible(name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`),
    [],
    `${name}: serious accessibility violations`,
  );
}

// Each step needs the one before: after a failure the rest are skipped (the failure is the
// report), with a screenshot of the failing page in FAILURES (default .local/logs/console).
let broken = null;
const FAILURES = process.env.FAILURES || new URL('../../.local/logs/console', import.meta.url).pathname;
const step = (name, fn) =>
  test(name, async (t) => {
    if (broken) return t.skip(`skipped after the failure of: ${broken}`);
    try {
      await fn();
    } catch (e) {
      broken = name;
      mkdirSync(FAILURES, { recursive: true });
      await page?.screenshot({ path: `${FAILURES}/failure.png` }).catch(() => {});
      throw e;
    }
  });

const tree = () => page.getByRole('tree', { name: 'Organization tree' });
const tab = (name) => page.getByRole('tab', { name, exact: true }).click();

async function signIn(email) {
  await page.goto(URL_);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dev\/oidc\/authorize/);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/#\/org\//);
}

describe('admin console', () => {
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });
  after(async () => {
    await browser?.close();
  });

  step('sign in through the OIDC issuer (authorization code + PKCE)', async () => {
    await page.goto(URL_);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await accessible('sign-in');
    await shot('sign-in');
    await signIn(ADMIN);
    await page.locator('header .who').getByText(ADMIN).waitFor();
    await tree().getByRole('link', { name: 'Root' }).waitFor();
  });

  step('walk the tree, create a child organization and its own child', async () => {
    await page.getByRole('button', { name: 'New child organization' }).click();
    const form = page.getByRole('form', { name: 'New child organization' });
    await form.getByLabel('Name').fill(N('Acme'));
    await form.getByLabel('Code').fill(C('acme'));
    await form.getByLabel('Contact email').fill('ops@acme.example');
    await form.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name: N('Acme') }).waitFor();
    await tree().getByRole('link', { name: N('Acme') }).waitFor();

    // A second child below Acme: opened lazily in the tree.
    await page.getByRole('button', { name: 'New child organization' }).click();
    await form.getByLabel('Name').fill(N('Short-lived'));
    await form.getByLabel('Code').fill(C('tmp'));
    await form.getByLabel('Contact email').fill('tmp@acme.example');
    await form.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name: N('Short-lived') }).waitFor();
    await tree().getByRole('button', { name: `Open ${N('Acme')}` }).click();
    await tree().getByRole('link', { name: N('Short-lived') }).waitFor();

    // An API error is shown with its message and code, and the form keeps its input.
    await page.getByRole('link', { name: N('Acme') }).first().click();
    await page.getByRole('heading', { name: N('Acme') }).waitFor();
    await page.getByRole('button', { name: 'New child organization' }).click();
    await form.getByLabel('Name').fill('Duplicate');
    await form.getByLabel('Code').fill(C('tmp'));
    await form.getByLabel('Contact email').fill('dup@acme.example');
    await form.getByRole('button', { name: 'Create organization' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /[A-Z_]{4,}/, 'the error shows its code');
    assert.equal(await form.getByLabel('Name').inputValue(), 'Duplicate');
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await accessible('organization details');
    await shot('organization');
  });

  step('upload a logo, with a preview first', async () => {
    // A real PNG, drawn by the browser.
    const dataUrl = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = c.height = 96;
      const g = c.getContext('2d');
      g.fillStyle = '#0f766e';
      g.fillRect(0, 0, 96, 96);
      g.fillStyle = '#fff';
      g.font = 'bold 60px sans-serif';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText('A', 48, 52);
      return c.toDataURL('image/png');
    });
    const png = Buffer.from(dataUrl.split(',')[1], 'base64');
    await page.getByRole('button', { name: 'Upload logo' }).click();
    await page.getByLabel('Image (PNG, JPEG, GIF or WebP)').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('img', { name: 'Preview of the new logo' }).waitFor();
    await page.getByRole('button', { name: 'Upload logo' }).last().click();
    await page.locator('.org-head img.logo').waitFor();
    await page.getByRole('button', { name: 'Close', exact: true }).click();
  });

  step('delete an organization, with the deletion progress until done', async () => {
    await tree().getByRole('link', { name: N('Short-lived') }).click();
    await page.getByRole('heading', { name: N('Short-lived') }).waitFor();
    await page.getByRole('button', { name: 'Delete organization' }).click();
    await page.getByLabel(`Type ${C('tmp')} to confirm`).fill(C('tmp'));
    await page.getByRole('button', { name: 'Delete organization' }).last().click();
    await page.getByRole('progressbar', { name: 'Deletion progress' }).waitFor();
    await shot('deletion');
    // Done: the console goes to the parent and the tree no longer lists it.
    await page.getByRole('heading', { name: N('Acme') }).waitFor({ timeout: 30_000 });
    await tree().getByRole('link', { name: N('Short-lived') }).waitFor({ state: 'detached' });
  });

  step('create a user', async () => {
    await tab('Users');
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Email').fill(`${C('ada')}@acme.example`);
    await form.getByLabel('First name').fill('Ada');
    await form.getByLabel('Last name').fill('Lovelace');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: `${C('ada')}@acme.example`, exact: true }).waitFor();
    await form.getByLabel('Email').fill(`${C('bob')}@acme.example`);
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: `${C('bob')}@acme.example`, exact: true }).waitFor();
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await accessible('users');
    await shot('users');
  });

  step('create a custom role and assign it', async () => {
    await tab('Roles');
    await page.getByRole('button', { name: 'New role' }).click();
    const form = page.getByRole('form', { name: 'New role' });
    await form.getByLabel('Name').fill('Auditors');
    await form.getByLabel('activities:read').check();
    await form.getByLabel('users:read').check();
    await form.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('button', { name: 'Auditors', exact: true }).click();
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByLabel('User to assign').selectOption({ label: `${C('ada')}@acme.example` });
    await page.getByRole('button', { name: 'Assign role' }).click();
    await page.getByRole('button', { name: `Remove ${C('ada')}@acme.example from Auditors` }).waitFor();
    // Edit its permissions.
    await page.getByRole('button', { name: 'Edit role' }).click();
    const edit = page.getByRole('form', { name: 'Edit role Auditors' });
    await edit.getByLabel('user_groups:read').check();
    await edit.getByRole('button', { name: 'Save role' }).click();
    await page.locator('table.list td.perms').getByText('user_groups:read').waitFor();
    await accessible('roles');
    await shot('roles');
  });

  step('see the activity appear', async () => {
    await tab('Activity');
    const log = page.locator('table.activity');
    await log.getByText('role.member_added').waitFor();
    await log.getByText('role.created').waitFor();
    assert.equal(await log.getByText('user.created').count(), 2, 'both users created are in the log');
    // The date range: from tomorrow on, nothing.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
    await page.getByLabel('From').fill(tomorrow);
    await page.getByRole('button', { name: 'Show' }).click();
    await log.getByText('No activity in this range.').waitFor();
    await page.getByLabel('From').fill('');
    await page.getByRole('button', { name: 'Show' }).click();
    await log.getByText('role.member_added').waitFor();
    await accessible('activity');
    await shot('activity');
  });

  step('request a child organization and approve it', async () => {
    await tab('Requests');
    await page.getByRole('button', { name: 'Request a child organization' }).click();
    await page.getByRole('form', { name: 'Request a child organization' }).getByLabel('Organization name').fill(N('Beta'));
    await page.getByRole('button', { name: 'Send request' }).click();
    const approve = page.getByRole('form', { name: `Approve ${N('Beta')}` });
    await approve.waitFor();
    await shot('requests');
    await accessible('requests');
    await approve.getByLabel('Code').fill(C('beta'));
    await approve.getByLabel('Contact email').fill('beta@acme.example');
    await approve.getByRole('button', { name: 'Approve' }).click();
    await approve.waitFor({ state: 'detached' });
    await tree().getByRole('link', { name: N('Beta') }).waitFor();
  });

  step('search by name across the whole tree, beyond the loaded nodes', async () => {
    // After a reload the tree lists Root's children only: Beta (below Acme) is not loaded.
    await page.reload();
    await tree().getByRole('link', { name: N('Acme') }).waitFor();
    assert.equal(await tree().getByRole('link', { name: N('Beta') }).count(), 0, 'Beta is not loaded in the tree');
    // Part of its name, in another case: not a code, so found by paging GET /organizations.
    await page.getByLabel('Search organizations by name or code').fill(N('Beta').slice(1).toUpperCase());
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('region', { name: 'Search results' });
    await results.getByText('1 found', { exact: true }).waitFor();
    assert.equal(await results.getByRole('alert').count(), 0, 'no error: an unknown code is not one');
    await accessible('search');
    await results.getByRole('link', { name: N('Beta') }).click();
    await page.getByRole('heading', { name: N('Beta') }).waitFor();
    await results.getByRole('button', { name: 'clear' }).click();
    await results.waitFor({ state: 'detached' });
  });

  step('user groups page', async () => {
    await tree().getByRole('link', { name: N('Acme') }).click();
    await tab('User groups');
    await page.getByRole('button', { name: 'New user group' }).click();
    const form = page.getByRole('form', { name: 'New user group' });
    await form.getByLabel('Name').fill('Support');
    await form.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: 'Support' }).waitFor();
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    const add = page.getByRole('form', { name: 'Add a member to Support' });
    await add.getByLabel('User to add').selectOption({ label: `${C('ada')}@acme.example` });
    await add.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('button', { name: `Remove ${C('ada')}@acme.example from Support` }).waitFor();
    // A grant added after the creation: an unknown code is refused and the form keeps it.
    const grant = page.getByRole('form', { name: 'Add a grant to Support' });
    await grant.getByLabel('Organization to grant (code or id)').fill(C('no-such-org'));
    await grant.getByRole('button', { name: 'Add grant' }).click();
    await grant.getByRole('alert').waitFor();
    assert.equal(await grant.getByLabel('Organization to grant (code or id)').inputValue(), C('no-such-org'));
    await grant.getByLabel('Organization to grant (code or id)').fill(C('beta'));
    await grant.getByLabel('…and all its child organizations').uncheck();
    await grant.getByRole('button', { name: 'Add grant' }).click();
    const removeGrant = page.getByRole('button', { name: `Remove the grant of ${N('Beta')} from Support` });
    await removeGrant.waitFor();
    await page.reload();
    await removeGrant.waitFor();
    await page.getByRole('heading', { name: 'Support' }).locator('xpath=ancestor::article').getByText('itself', { exact: true }).waitFor();
    await accessible('groups');
    await shot('groups');
  });

  step('a plain user sees no buttons the API does not allow', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(`${C('bob')}@acme.example`);
    await page.getByRole('heading', { name: N('Acme') }).waitFor();
    await page.getByRole('tab', { name: 'Details' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'New child organization' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Delete organization' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Edit organization' }).count(), 0);
    assert.equal(await page.getByRole('tab', { name: 'Roles' }).count(), 0, 'no roles:read, no Roles tab');
  });

  step('no CSP violation and no page error', () => {
    assert.deepEqual(cspViolations, []);
    assert.deepEqual(pageErrors, []);
  });
});
