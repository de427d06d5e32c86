/**
 * ui/rows.js: one row element of the tree (group, node, device or metric) and how it is drawn.
 * Elements are recycled by the virtual list; text is written only when it changed.
 */
export const ROWS_JS = String.raw`
import { isNumeric, ownerLive } from './model.js';
import { count, sparkline, time, value, writable } from './format.js';

const INDENT = 18;

function div(cls, parent) {
  const d = document.createElement('div');
  d.className = cls;
  parent.appendChild(d);
  return d;
}

function span(cls, parent) {
  const s = document.createElement('span');
  s.className = cls;
  parent.appendChild(s);
  return s;
}

/** Writes only on change: most frames change a few cells of a few rows. */
function text(el, t) {
  if (el.textContent !== t) el.textContent = t;
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

export function createRow(ui) {
  const el = document.createElement('div');
  const name = div('c-name', el);
  const cells = {
    name, tw: span('tw', name), nm: span('nm', name), badge: span('badge', name),
    info: div('c-info', el), val: div('c-val', el), trend: div('c-trend', el),
    type: div('c-type', el), time: div('c-time', el), act: div('c-act', el),
  };
  cells.v = span('v', cells.val);
  cells.unit = span('u', cells.val);
  cells.input = document.createElement('input');
  cells.input.className = 'edit';
  cells.input.spellcheck = false;
  cells.input.hidden = true;
  cells.val.appendChild(cells.input);
  cells.canvas = document.createElement('canvas');
  cells.trend.appendChild(cells.canvas);
  cells.button = document.createElement('button');
  cells.button.className = 'btn small';
  cells.act.appendChild(cells.button);
  el.cells = cells;
  cells.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') ui.commitEdit(el.row.ref, cells.input.value);
    else if (e.key === 'Escape') ui.cancelEdit();
  });
  return el;
}

function status(row) {
  const r = row.ref;
  if (row.kind === 'node') return !r.online ? 'offline' : r.stale ? 'stale' : 'online';
  if (!r.online) return 'offline';
  return r.node.online && !r.node.stale ? 'online' : 'stale';
}

function kv(label, v, cls) {
  return '<span class="kv"><i>' + label + '</i><b class="' + cls + '">' + esc(v) + '</b></span>';
}

function nodeInfo(n) {
  const c = n.counters;
  return kv('bdSeq', n.bdSeq ?? '–', 'i-bdseq') + kv('seq', n.seq ?? '–', 'i-seq') + kv('msgs', count(c.messages), 'i-msgs') +
    kv('rebirths', count(c.rebirthsRequested), 'i-rebirths') + kv('gaps', count(c.gaps), 'i-gaps') +
    kv('born', n.birth === null ? '–' : time(n.birth), 'i-birth') +
    (n.stale || !n.online ? kv('stale', time(n.staleSince), 'i-stale') : '');
}

function html(el, h) {
  if (el.html !== h) {
    el.html = h;
    el.innerHTML = h;
  }
}

function drawContainer(el, row, ui) {
  const c = el.cells, r = row.ref;
  text(c.tw, ui.filter !== '' || ui.expanded.has(r.key) ? '▾' : '▸');
  if (row.kind === 'group') {
    let online = 0;
    for (const n of r.nodes.values()) if (n.online && !n.stale) online++;
    c.badge.className = 'badge count';
    text(c.badge, online + '/' + r.nodes.size + ' online');
    html(c.info, kv('nodes', count(r.nodes.size), 'i-nodes'));
    return;
  }
  const s = status(row);
  c.badge.className = 'badge ' + s;
  text(c.badge, s.toUpperCase());
  if (row.kind === 'node') html(c.info, nodeInfo(r));
  else html(c.info, kv('metrics', count(r.metrics.length), 'i-metrics') + (r.online ? '' : kv('offline since', time(r.staleSince), 'i-stale')));
}

function drawMetric(el, row, ui, fresh) {
  const c = el.cells, m = row.ref;
  const live = ownerLive(m.owner);
  const changed = el.ver !== m.ver || el.live !== live;
  if (!fresh && !changed && el.editing === (ui.editing === m)) return;
  const editing = ui.editing === m;
  if (editing !== el.editing) {
    el.editing = editing;
    c.input.hidden = !editing;
    c.v.hidden = c.unit.hidden = editing;
    if (editing) {
      c.input.value = m.value === null ? '' : String(m.value);
      c.input.focus();
      c.input.select();
    }
  }
  const t = value(m);
  text(c.v, t);
  c.v.className = 'v' + (m.value === null ? ' null' : m.type === 'Boolean' ? (m.value ? ' on' : ' off') : '');
  if (el.ver !== m.ver) c.val.title = t;
  text(c.time, time(m.ts));
  el.classList.toggle('stale', !live);
  if (isNumeric(m)) sparkline(c.canvas, m, live);
  else if (fresh) c.canvas.getContext('2d').clearRect(0, 0, c.canvas.width, c.canvas.height);
  // A value that changed while in view flashes once (an animation: no forced layout).
  if (!fresh && el.ver !== m.ver && live) c.v.animate([{ backgroundColor: 'rgba(95,179,240,0.35)' }, { backgroundColor: 'transparent' }], 700);
  el.ver = m.ver;
  el.live = live;
}

/** fresh: the element showed another row before (or none): everything is set, not only what changes. */
export function drawRow(el, row, fresh, ui) {
  const c = el.cells;
  if (fresh) {
    el.className = 'row k-' + row.kind;
    el.ver = -1;
    el.live = null;
    el.editing = false;
    c.input.hidden = true;
    c.v.hidden = c.unit.hidden = false;
    c.name.style.paddingLeft = 8 + row.depth * INDENT + 'px';
    const r = row.ref;
    text(c.nm, row.kind === 'metric' ? r.name : r.id);
    c.nm.title = row.kind === 'metric' ? r.owner.key + '/' + r.name : r.key;
    el.dataset.kind = row.kind;
    el.dataset.key = row.kind === 'metric' ? r.owner.key : r.key;
    el.dataset.name = row.kind === 'metric' ? r.name : r.id;
    if (row.kind === 'metric') {
      text(c.type, r.type);
      text(c.unit, r.unit);
      text(c.tw, '');
      c.badge.className = 'badge none';
      text(c.badge, '');
    }
    const act = row.kind === 'node' ? 'rebirth' : row.kind === 'metric' && writable(r) ? 'write' : '';
    c.button.hidden = act === '';
    c.button.dataset.act = act;
    c.button.className = act === 'write' ? 'btn small ghost' : 'btn small';
    text(c.button, act === 'rebirth' ? 'Rebirth' : act === 'write' ? '✎ Write' : '');
    c.button.title = act === 'rebirth' ? 'Send Node Control/Rebirth (NCMD)' : act === 'write' ? 'Write this metric (NCMD/DCMD)' : '';
  }
  if (row.kind === 'metric') drawMetric(el, row, ui, fresh);
  else drawContainer(el, row, ui);
}
`;
