/**
 * The live web page at `/`: plain HTML, CSS and ES modules, kept as string constants so that `tsc`
 * ships them (from `dist/` and `build/` alike) with no front-end build step.
 */
import type { FastifyInstance } from 'fastify';
import { STYLE_CSS } from './css.js';
import { INDEX_HTML } from './html.js';
import { ACTIONS_JS } from './js-actions.js';
import { APP_JS } from './js-app.js';
import { FORMAT_JS } from './js-format.js';
import { MODEL_JS } from './js-model.js';
import { ROWS_JS } from './js-rows.js';
import { TREE_JS } from './js-tree.js';

const JS = 'text/javascript; charset=utf-8';

const ASSETS: ReadonlyMap<string, { readonly type: string; readonly body: string }> = new Map([
  ['style.css', { type: 'text/css; charset=utf-8', body: STYLE_CSS }],
  ['app.js', { type: JS, body: APP_JS }],
  ['model.js', { type: JS, body: MODEL_JS }],
  ['tree.js', { type: JS, body: TREE_JS }],
  ['rows.js', { type: JS, body: ROWS_JS }],
  ['format.js', { type: JS, body: FORMAT_JS }],
  ['actions.js', { type: JS, body: ACTIONS_JS }],
]);

/** Everything the page loads comes from this server: no inline script, nothing from elsewhere. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export function registerPage(app: FastifyInstance): void {
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-cache').send(INDEX_HTML));
  app.get<{ Params: { file: string } }>('/ui/:file', async (req, reply) => {
    const asset = ASSETS.get(req.params.file);
    if (asset === undefined) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });
}
