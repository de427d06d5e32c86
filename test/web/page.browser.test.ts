/**
 * The live page in a real headless Chromium against the real demo (`sparkstate demo` as a child
 * process): tree, live values, a write that round-trips through the edge, a rebirth, and the
 * demo's broker restart seen as stale → online.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser, openPage, screenshot } from '../helpers/browser.js';
import { startDemo } from '../helpers/demo-process.js';
import { waitUntil } from '../helpers/wait.js';

function row(page: Page, kind: 'node' | 'device' | 'metric', key: string, name?: string): Locator {
  return page.locator(`.row[data-kind="${kind}"][data-key="${key}"]${name === undefined ? '' : `[data-name="${name}"]`}`);
}

async function text(l: Locator): Promise<string> {
  return (await l.textContent()) ?? '';
}

test('live page on the demo: tree, live values, write, rebirth, broker restart', { skip: chromiumMissing, timeout: 60_000 }, async (t) => {
  const demo = await startDemo(['--port', '0', '--http-port', '0']);
  t.after(() => demo.stop());
  const browser = await launchBrowser(t);
  const { page, errors } = await openPage(browser, `${demo.url}/`);

  const node = row(page, 'node', 'Demo/Line1');
  await node.locator('.badge.online').waitFor();
  assert.equal(await text(page.locator('#host-state')), 'online');
  // Collapsed by default: no device row until the node is opened.
  assert.equal(await page.locator('.row[data-kind="device"]').count(), 0);
  await node.locator('.nm').click();
  await row(page, 'device', 'Demo/Line1/Filler').locator('.nm').click();
  await row(page, 'device', 'Demo/Line1/Capper').locator('.nm').click();
  assert.deepEqual(await page.locator('.row[data-kind="device"] .nm').allTextContents(), ['Capper', 'Filler']);
  assert.equal(await text(row(page, 'metric', 'Demo/Line1/Filler', 'Temperature').locator('.u')), '°C');

  // A value changes on screen (Count counts once a second).
  const count = row(page, 'metric', 'Demo/Line1/Filler', 'Count').locator('.v');
  const before = await text(count);
  await waitUntil(async () => (await text(count)) !== before, 5000, 'Count to change on screen');

  // A write goes out as a DCMD; the edge takes it and reports the value back in DDATA.
  const setpoint = row(page, 'metric', 'Demo/Line1/Filler', 'Setpoint');
  await setpoint.locator('button[data-act="write"]').click();
  await setpoint.locator('input.edit').fill('55.5');
  await setpoint.locator('input.edit').press('Enter');
  await setpoint.locator('.v', { hasText: /^55\.5$/ }).waitFor({ timeout: 5000 });
  assert.equal(await setpoint.locator('input.edit').isHidden(), true, 'the write box closes once the host sent the command');

  // Rebirth: the host's rebirth counter goes up and a new NBIRTH brings a new birth time.
  const rebirths = Number(await text(node.locator('.i-rebirths')));
  const born = await text(node.locator('.i-birth'));
  await node.locator('button[data-act="rebirth"]').click();
  await node.locator('.i-rebirths', { hasText: String(rebirths + 1) }).waitFor({ timeout: 5000 });
  await waitUntil(async () => (await text(node.locator('.i-birth'))) !== born, 5000, 'a new birth time');
  assert.equal(await text(node.locator('.i-bdseq')), '0', 'a rebirth keeps the session (bdSeq)');
  await screenshot(t, page, 'demo');

  // Restart broker: every client drops; the host marks the node stale; it births again (new bdSeq).
  await page.locator('#restart-broker').click();
  await node.locator('.badge.stale, .badge.offline').waitFor({ timeout: 5000 });
  assert.notEqual(await text(page.locator('#host-state')), 'online');
  await screenshot(t, page, 'demo-broker-down');
  await node.locator('.badge.online').waitFor({ timeout: 15_000 });
  await node.locator('.i-bdseq', { hasText: '1' }).waitFor({ timeout: 5000 });
  assert.equal(await text(page.locator('#host-state')), 'online');
  await page.locator('#restart-broker:not([disabled])').waitFor();
  assert.deepEqual(errors, []);
});
