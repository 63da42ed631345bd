// The page in a real browser, driven as a user would: headless Chromium (Debian's, through
// puppeteer-core; nothing is downloaded) against a running opg-node. Run by
// client/tests/web.rs, which starts the node, proposes a model and checks the chain afterwards:
//
//   node test/e2e.mjs --rpc ws://127.0.0.1:9944 --out DIR --propose MODEL_NAME [--chromium PATH]
//
// Steps: the models list; the digits model's page, a "2" drawn on the pad, the fee shown, the
// request, its timeline to final and finalized; the listing of MODEL_NAME put to a referendum
// and voted aye with conviction; a delegation to Alice and the position it makes. A screenshot
// of every step goes to DIR. Progress goes to stderr; the last line of stdout is a JSON report.
// Exits non-zero when a step fails or when the page logged any JavaScript console error.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

import { serve } from '../serve.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  if (i > 0) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`${name} is required`);
  return fallback;
};
const rpcUrl = arg('--rpc');
const out = arg('--out');
const proposeName = arg('--propose');
const chromium = arg('--chromium', '/usr/bin/chromium');
mkdirSync(out, { recursive: true });

const log = (...a) => console.error('[web-e2e]', ...a);
const started = Date.now();
const consoleErrors = [];
const report = { screenshots: [], consoleErrors };

// The "2": pixels (row, column) of one stroke across the 8×8 pad.
const TWO = [[1, 3], [1, 4], [2, 5], [3, 5], [4, 4], [5, 3], [6, 2], [6, 3], [6, 4], [6, 5], [6, 6]];

const { server, port } = await serve({ port: 0 });
const profile = mkdtempSync(join(tmpdir(), 'opg-web-e2e-'));
// The flags keep Chromium off the network it has no access to here (no background fetches).
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  userDataDir: profile,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-default-apps', '--window-size=1280,900'],
});
log(`chromium pid ${browser.process()?.pid}, page on port ${port}`);

async function finish(code) {
  await browser.close().catch(() => {});
  server.close();
  rmSync(profile, { recursive: true, force: true });
  report.seconds = Math.round((Date.now() - started) / 1000);
  console.log(JSON.stringify(report));
  process.exit(code);
}

const page = await browser.newPage();
try {
  await page.setViewport({ width: 1280, height: 900 });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  const shot = async (name) => {
    const path = join(out, `${String(report.screenshots.length + 1).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    report.screenshots.push(path);
    log(`screenshot ${path}`);
  };
  const waitText = (selector, pattern, timeout = 60_000) =>
    page.waitForFunction(
      (sel, source) => [...document.querySelectorAll(sel)].some((e) => new RegExp(source).test(e.textContent)),
      { timeout, polling: 250 },
      selector,
      pattern.source,
    );

  // 1. The models.
  await page.goto(`http://127.0.0.1:${port}/?rpc=${encodeURIComponent(rpcUrl)}#/models`);
  await page.waitForSelector('[data-testid=model-row][data-name="digits-mlp"]', { timeout: 60_000 });
  await page.waitForSelector(`[data-testid=model-row][data-name="${proposeName}"]`, { timeout: 30_000 });
  await waitText('[data-testid=signer]', /signing as Bob/);
  await shot('models');

  // 2. The digits model's page: draw a "2".
  await page.click('[data-testid=model-row][data-name="digits-mlp"] a');
  await page.waitForSelector('[data-testid=pad]');
  await page.waitForSelector('[data-testid=stats]');
  const centre = async ([r, c]) => {
    const box = await (await page.$(`[data-testid=pad] .px[data-i="${r * 8 + c}"]`)).boundingBox();
    return [box.x + box.width / 2, box.y + box.height / 2];
  };
  const [x0, y0] = await centre(TWO[0]);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const px of TWO.slice(1)) {
    const [x, y] = await centre(px);
    await page.mouse.move(x, y);
  }
  await page.mouse.up();
  await waitText('[data-testid=fee]', /0\.01 OPG held/);
  await waitText('[data-testid=fee]', /transaction fee of about/);
  report.fee = await page.$eval('[data-testid=fee]', (e) => e.textContent.trim());
  await shot('digit-drawn');

  // 3. Ask, and watch the request become final, then finalized.
  const asked = Date.now();
  await page.click('[data-testid=request]');
  await page.waitForSelector('[data-testid=timeline]', { timeout: 60_000 });
  report.request = Number(await page.$eval('[data-testid=timeline]', (e) => e.dataset.request));
  log(`request ${report.request} in a block after ${Date.now() - asked} ms`);
  await page.waitForSelector('[data-testid=output-hash]', { timeout: 120_000 });
  await page.waitForSelector('[data-testid=window-left]', { timeout: 30_000 });
  await shot('result-in-window');
  await waitText('[data-testid=final-state]', /^Final$/, 180_000);
  report.secondsToFinal = (Date.now() - asked) / 1000;
  await page.waitForSelector('[data-testid=finalized]', { timeout: 120_000 });
  report.secondsToFinalized = (Date.now() - asked) / 1000;
  report.predicted = Number(await page.$eval('[data-testid=predicted]', (e) => e.textContent));
  report.outputHash = await page.$eval('[data-testid=output-hash]', (e) => e.textContent.trim());
  report.traceRoot = await page.$eval('[data-testid=trace-root]', (e) => e.textContent.trim());
  log(`final after ${report.secondsToFinal} s, finalized after ${report.secondsToFinalized} s: digit ${report.predicted}`);
  await shot('final');

  // The model's record counts it (the page re-reads it every block).
  await page.click('[data-testid=tab-models]');
  await page.waitForSelector('[data-testid=model-row][data-name="digits-mlp"] a', { timeout: 30_000 });
  await page.click('[data-testid=model-row][data-name="digits-mlp"] a');
  await waitText('[data-testid=stats-answered]', /^[1-9]/);
  report.statsAnswered = Number(await page.$eval('[data-testid=stats-answered]', (e) => e.textContent));

  // 4. Govern: put the proposed model's listing to a referendum, then vote aye, 100 OPG at 1×.
  await page.click('[data-testid=tab-govern]');
  await page.waitForSelector('[data-testid=propose-model]', { timeout: 30_000 });
  const value = await page.$eval('[data-testid=propose-model]', (select, name) => [...select.options].find((o) => o.textContent.startsWith(`${name} `))?.value, proposeName);
  if (!value) throw new Error(`${proposeName} is not offered for a listing`);
  await page.select('[data-testid=propose-model]', value);
  await page.click('[data-testid=propose]');
  await waitText('[data-testid=propose-stage]', /^referendum \d+ submitted$/, 120_000);
  report.referendum = Number((await page.$eval('[data-testid=propose-stage]', (e) => e.textContent)).match(/\d+/)[0]);
  const vote = `[data-testid=vote-${report.referendum}]`;
  await page.waitForSelector(vote, { timeout: 30_000 });
  // The proposal as its noted preimage decodes, the model by name.
  const referendum = `[data-testid=referendum][data-index="${report.referendum}"]`;
  await waitText(`${referendum} [data-testid=proposal]`, new RegExp(`^modelRegistry\\.listModel\\(${proposeName}\\)$`), 30_000);
  report.proposal = await page.$eval(`${referendum} h4`, (e) => e.textContent.trim());
  // More than Bob has: the chain refuses it, and the page says so by name, from the metadata.
  const setAmount = async (amount) => {
    await page.$eval(`${vote} [data-testid=vote-amount]`, (e) => { e.value = ''; });
    await page.type(`${vote} [data-testid=vote-amount]`, amount);
  };
  await setAmount('1000000000000000');
  await page.click(`${vote} [data-testid=vote]`);
  await waitText(`${vote} [data-testid=error]`, /^convictionVoting\.InsufficientFunds: \S/, 60_000);
  report.chainError = await page.$eval(`${vote} [data-testid=error]`, (e) => e.textContent.trim());
  await shot('vote-refused');
  await setAmount('100');
  await page.select(`${vote} [data-testid=vote-conviction]`, 'Locked1x');
  await page.click(`${vote} [data-testid=vote]`);
  await waitText(`${vote} [data-testid=vote-stage]`, /(in block|finalized) #\d+/, 60_000);
  await waitText(`${referendum} [data-testid=tally]`, /ayes 100 OPG/, 30_000);
  report.tally = await page.$eval(`${referendum} [data-testid=tally]`, (e) => e.textContent.trim());
  await shot('voted');

  // 5. Stake: Bob delegates 50 OPG to Alice and sees his position.
  await page.click('[data-testid=tab-stake]');
  const alice = '[data-testid=executor]';
  await page.waitForSelector(alice, { timeout: 30_000 });
  await page.type(`${alice} [data-testid=delegate-amount]`, '50');
  await page.click(`${alice} [data-testid=delegate]`);
  await waitText(`${alice} [data-testid=delegate-stage]`, /(in block|finalized) #\d+/, 60_000);
  await waitText('[data-testid=position-active]', /^50 OPG$/, 30_000);
  report.executor = await page.$eval('[data-testid=position]', (e) => e.dataset.executor);
  await shot('delegated');

  // 6. The other tabs render from the chain too.
  await page.click('[data-testid=tab-disputes]');
  await page.waitForSelector('[data-testid=no-open-disputes]', { timeout: 30_000 });
  await page.click('[data-testid=tab-accounts]');
  await waitText('[data-testid=accounts]', /dev account/);
  await shot('accounts');

  if (consoleErrors.length) {
    log(`console errors: ${consoleErrors.join(' | ')}`);
    await finish(1);
  }
  await finish(0);
} catch (e) {
  log(`failed: ${e.stack ?? e}`);
  report.failure = String(e.message ?? e);
  try {
    const path = join(out, 'failure.png');
    await page.screenshot({ path, fullPage: true });
    report.screenshots.push(path);
  } catch {
    // the browser itself is gone: nothing to show
  }
  await finish(1);
}
