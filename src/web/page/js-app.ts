/**
 * ui/app.js: the page's entry point. Messages of GET /api/events update the model as they come;
 * the screen is drawn at most once per animation frame, however many messages arrived.
 */
export const APP_JS = String.raw`
import { applyDelta, applyNodes, applySnapshot, createModel } from './model.js';
import { filtered, flatten, VirtualList } from './tree.js';
import { createRow, drawRow } from './rows.js';
import { count, parseInput } from './format.js';
import { rebirth, restartBroker, toast, write } from './actions.js';

const ROW_HEIGHT = 28;
const $ = (id) => document.getElementById(id);

const model = createModel();
const expanded = new Set();
const seen = new Set();

const ui = {
  expanded,
  /** The filter box's text: while it is not empty the tree shows what matches, all open. */
  filter: '',
  /** The metric whose write box is open, or null. */
  editing: null,
  /** A write is on its way: Enter again does not send it twice. */
  sending: false,
  async commitEdit(m, text) {
    if (ui.sending) return;
    let json;
    try {
      json = parseInput(m, text);
    } catch (e) {
      toast(m.name + ': ' + e.message, 'error');
      return;
    }
    ui.sending = true;
    try {
      if (await write(m, json)) ui.cancelEdit();
    } finally {
      ui.sending = false;
    }
  },
  cancelEdit() {
    ui.editing = null;
    schedule();
  },
};

const list = new VirtualList($('viewport'), $('spacer'), ROW_HEIGHT, () => createRow(ui), (el, row, fresh) => drawRow(el, row, fresh, ui));

let frame = 0;
function schedule() {
  if (frame === 0) frame = requestAnimationFrame(draw);
}

function draw() {
  frame = 0;
  if (model.structure) {
    model.structure = false;
    if (ui.filter === '') {
      list.setRows(flatten(model, expanded, seen));
      $('matches').textContent = '';
    } else {
      const f = filtered(model, ui.filter);
      list.setRows(f.rows);
      $('matches').textContent = count(f.matches) + (f.matches === 1 ? ' match' : ' matches');
    }
    $('empty').hidden = model.groups.size > 0;
  }
  if (model.nodesChanged) {
    model.nodesChanged = false;
    header();
  }
  list.render();
}

function header() {
  $('host-id').textContent = model.hostId;
  const state = $('host-state');
  state.textContent = model.state;
  state.className = 'badge ' + (model.state === 'online' ? 'online' : model.state === 'offline' ? 'offline' : 'stale');
  let nodes = 0, nodesUp = 0, devices = 0, devicesUp = 0, metrics = 0;
  for (const g of model.groups.values()) {
    for (const n of g.nodes.values()) {
      nodes++;
      const up = n.online && !n.stale;
      if (up) nodesUp++;
      metrics += n.metrics.length;
      for (const d of n.devices.values()) {
        devices++;
        if (up && d.online) devicesUp++;
        metrics += d.metrics.length;
      }
    }
  }
  $('totals').textContent = count(model.groups.size) + (model.groups.size === 1 ? ' group' : ' groups') +
    ' · ' + count(nodesUp) + '/' + count(nodes) + ' nodes online · ' + count(devicesUp) + '/' + count(devices) +
    ' devices online · ' + count(metrics) + ' metrics';
  $('restart-broker').hidden = !model.demo;
  document.title = 'sparkstate · ' + model.hostId;
}

function feedStatus(live, textValue) {
  $('feed').className = 'feed ' + (live ? 'live' : 'down');
  $('feed-text').textContent = textValue;
}

let connected = false;
function connect() {
  const es = new EventSource('api/events');
  es.addEventListener('snapshot', (e) => {
    applySnapshot(model, JSON.parse(e.data));
    connected = true;
    feedStatus(true, 'live');
    schedule();
  });
  es.addEventListener('delta', (e) => {
    applyDelta(model, JSON.parse(e.data));
    schedule();
  });
  es.addEventListener('nodes', (e) => {
    applyNodes(model, JSON.parse(e.data));
    schedule();
  });
  // EventSource reconnects by itself; the next snapshot replaces everything.
  es.addEventListener('error', () => {
    connected = false;
    feedStatus(false, 'reconnecting…');
  });
}

let lastCount = 0;
setInterval(() => {
  const rate = model.valuesReceived - lastCount;
  lastCount = model.valuesReceived;
  if (connected) feedStatus(true, 'live · ' + count(rate) + ' values/s');
}, 1000);

/** The column header stays aligned with the rows beside the list's scrollbar. */
function alignColumns() {
  const v = $('viewport');
  document.querySelector('.cols').style.paddingRight = v.offsetWidth - v.clientWidth + 'px';
}

$('viewport').addEventListener('scroll', schedule, { passive: true });
window.addEventListener('resize', () => {
  alignColumns();
  schedule();
});
alignColumns();

$('viewport').addEventListener('click', (e) => {
  const el = e.target.closest('.row');
  if (el === null || el.row === null) return;
  const row = el.row;
  const button = e.target.closest('button[data-act]');
  if (button !== null) {
    if (button.dataset.act === 'rebirth') rebirth(row.ref);
    else if (button.dataset.act === 'write') {
      ui.editing = ui.editing === row.ref ? null : row.ref;
      schedule();
    }
    return;
  }
  if (row.kind === 'metric' || ui.filter !== '') return;
  if (expanded.has(row.ref.key)) expanded.delete(row.ref.key);
  else expanded.add(row.ref.key);
  model.structure = true;
  schedule();
});

$('expand-all').addEventListener('click', () => {
  for (const g of model.groups.values()) {
    expanded.add(g.key);
    for (const n of g.nodes.values()) expanded.add(n.key);
  }
  model.structure = true;
  schedule();
});

$('collapse-all').addEventListener('click', () => {
  expanded.clear();
  // groups stay open: collapsing them too would leave a screen of one line per group
  for (const g of model.groups.values()) expanded.add(g.key);
  model.structure = true;
  schedule();
});

// Filtering walks every metric: once typing pauses, not at every key.
let filterTimer = 0;
$('filter').addEventListener('input', (e) => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    ui.filter = e.target.value.trim();
    model.structure = true;
    $('viewport').scrollTop = 0;
    schedule();
  }, 150);
});

$('restart-broker').addEventListener('click', (e) => restartBroker(e.currentTarget));

connect();
`;
