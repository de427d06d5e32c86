/** The page's files and the demo's route over real HTTP (port 0), in front of a host on the fake transport. */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { ErrorCodes, SparkplugError } from '../../src/errors.js';
import { createHttpServer, type DemoControls, type HttpServer } from '../../src/web/index.js';
import { startHost } from '../host/helpers.js';

async function serve(t: TestContext, demo?: DemoControls): Promise<HttpServer> {
  const h = await startHost();
  t.after(() => h.host.stop());
  const http = await createHttpServer(h.host, { port: 0, demo });
  t.after(() => http.close());
  return http;
}

describe('live page', () => {
  test('GET / is the page: HTML that loads only its own files (CSP), each served with its type', async (t) => {
    const http = await serve(t);
    const page = await fetch(`${http.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="(ui\/[^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(refs, ['ui/style.css', 'ui/app.js']);
    // Every module the entry point reaches, through its imports.
    const seen = new Set<string>();
    const queue = ['app.js'];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const res = await fetch(`${http.url}/ui/${file}`);
      assert.equal(res.status, 200, file);
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/, file);
      for (const m of (await res.text()).matchAll(/from '\.\/([\w-]+\.js)'/g)) if (m[1] !== undefined) queue.push(m[1]);
    }
    assert.deepEqual([...seen].sort(), ['actions.js', 'app.js', 'format.js', 'model.js', 'rows.js', 'tree.js']);
    const css = await fetch(`${http.url}/ui/style.css`);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  });

  test('files the page does not have answer the typed 404', async (t) => {
    const http = await serve(t);
    for (const path of ['/ui/nope.js', '/ui/', '/index.html']) {
      const res = await fetch(`${http.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { code: string }).code, 'ERR_NOT_FOUND', path);
    }
  });

  test('POST /api/demo/restart-broker: only with demo controls; their refusal is a typed 409', async (t) => {
    const plain = await serve(t);
    const none = await fetch(`${plain.url}/api/demo/restart-broker`, { method: 'POST' });
    assert.equal(none.status, 404);

    let restarts = 0;
    const demo = await serve(t, {
      restartBroker: async () => {
        restarts++;
        if (restarts > 1) throw new SparkplugError(ErrorCodes.LIFECYCLE, 'the broker is already restarting');
      },
    });
    const ok = await fetch(`${demo.url}/api/demo/restart-broker`, { method: 'POST' });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { restarted: true });
    const busy = await fetch(`${demo.url}/api/demo/restart-broker`, { method: 'POST' });
    assert.equal(busy.status, 409);
    assert.deepEqual(await busy.json(), { code: 'SPB_ERR_LIFECYCLE', message: 'the broker is already restarting' });
    assert.equal(restarts, 2);
  });
});
