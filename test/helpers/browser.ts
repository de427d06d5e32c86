/**
 * A real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core. Tests skip, with
 * `chromiumMissing` as the reason, only when that binary is absent; `.ci/run` installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`;

/** The machine has no internet: without these flags Chromium keeps retrying blocked connections. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export async function launchBrowser(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  t.after(() => browser.close());
  return browser;
}

/** A page whose uncaught errors and console errors are collected (a test asserts there are none). */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { page, errors };
}

/**
 * A screenshot of the page: into $SPARKSTATE_SCREENSHOTS when set (kept, to look at), else into a
 * temp dir removed after the test (taking it still proves the page renders).
 */
export async function screenshot(t: TestContext, page: Page, name: string): Promise<string> {
  const keep = process.env['SPARKSTATE_SCREENSHOTS'];
  let dir: string;
  if (keep === undefined || keep === '') {
    dir = mkdtempSync(join(tmpdir(), 'sparkstate-page-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
  } else {
    dir = keep;
    mkdirSync(dir, { recursive: true });
  }
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  t.diagnostic(`screenshot: ${path}`);
  return path;
}
