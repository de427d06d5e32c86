/**
 * ui/model.js: the page's copy of the host model, fed by the snapshot, delta and nodes messages of
 * GET /api/events (src/web/live/wire.ts). Applying a message only updates objects and raises flags;
 * drawing happens once per animation frame (app.js), and then only rows in view.
 */
export const MODEL_JS = String.raw`
const HISTORY = 48;

const NUMERIC = new Set(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double']);

export function createModel() {
  return {
    hostId: '', state: 'offline', counters: null, demo: false, batchMs: 0,
    groups: new Map(),
    // structure: the row list must be rebuilt; nodesChanged: the header's totals recounted
    structure: true, nodesChanged: true,
    valuesReceived: 0,
  };
}

function byId(map, id, make) {
  let x = map.get(id);
  if (x === undefined) {
    x = make();
    map.set(id, x);
  }
  return x;
}

function group(model, g) {
  return byId(model.groups, g, () => {
    model.structure = true;
    return { kind: 'group', id: g, key: g, nodes: new Map() };
  });
}

function node(model, g, n) {
  return byId(group(model, g).nodes, n, () => {
    model.structure = true;
    return {
      kind: 'node', g, id: n, key: g + '/' + n, online: false, stale: false, staleSince: null,
      bdSeq: null, birth: null, seq: null, counters: { messages: 0, gaps: 0, rebirthsRequested: 0, decodeErrors: 0 },
      metrics: [], byName: new Map(), devices: new Map(),
    };
  });
}

function device(model, g, n, d) {
  const nd = node(model, g, n);
  return byId(nd.devices, d, () => {
    model.structure = true;
    return { kind: 'device', id: d, node: nd, key: nd.key + '/' + d, online: false, staleSince: null, metrics: [], byName: new Map() };
  });
}

/** Whether a metric's owner vouches for its values (Sparkplug: metrics of dead or stale owners are stale). */
export function ownerLive(owner) {
  return owner.kind === 'node' ? owner.online && !owner.stale : owner.online && owner.node.online && !owner.node.stale;
}

export function isNumeric(m) {
  return NUMERIC.has(m.type);
}

/**
 * Numeric values go into a ring buffer for the trend (64-bit values beyond 2^53 arrive as strings).
 * The buffer is made at the second value: metrics that never change (most of a large plant's) cost
 * one number, not an array.
 */
function record(m, v) {
  if (!NUMERIC.has(m.type)) return;
  const x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (m.hist === null) {
    if (m.count === 0) {
      m.first = x;
      m.count = 1;
      return;
    }
    m.hist = new Float64Array(HISTORY);
    m.hist[0] = m.first;
    m.head = 1;
  }
  m.hist[m.head] = x;
  m.head = (m.head + 1) % HISTORY;
  if (m.count < HISTORY) m.count++;
}

function setValue(m, v, ts) {
  m.value = v;
  m.ts = ts;
  m.ver++;
  record(m, v);
}

/** A birth's metric set, in birth order; a metric born again with the same name and type keeps its trend. */
function setMetrics(model, owner, list, previous) {
  owner.metrics = [];
  owner.byName = new Map();
  for (const [name, type, value, ts, unit] of list) {
    const m = { name, type, unit: unit ?? '', value: null, ts, owner, first: NaN, hist: null, head: 0, count: 0, ver: 0 };
    const prev = previous.get(name);
    if (prev !== undefined && prev.type === type) Object.assign(m, { first: prev.first, hist: prev.hist, head: prev.head, count: prev.count });
    setValue(m, value, ts);
    owner.metrics.push(m);
    owner.byName.set(name, m);
  }
  model.structure = true;
}

function setNodeInfo(nd, w) {
  Object.assign(nd, { online: w.online, stale: w.stale, staleSince: w.staleSince, bdSeq: w.bdSeq, birth: w.birth, seq: w.seq, counters: w.counters });
}

function setDeviceInfo(dv, w) {
  dv.online = w.online;
  dv.staleSince = w.staleSince;
}

export function applySnapshot(model, s) {
  Object.assign(model, { hostId: s.hostId, state: s.state, counters: s.counters, demo: s.demo, batchMs: s.batchMs });
  // Trends survive a reconnect: the old objects are looked up while the new ones are built.
  const before = model.groups;
  model.groups = new Map();
  for (const w of s.nodes) {
    const nd = node(model, w.g, w.n);
    const old = before.get(w.g)?.nodes.get(w.n);
    setNodeInfo(nd, w);
    setMetrics(model, nd, w.metrics, old?.byName ?? new Map());
    for (const wd of w.devices) {
      const dv = device(model, w.g, w.n, wd.d);
      setDeviceInfo(dv, wd);
      setMetrics(model, dv, wd.metrics, old?.devices.get(wd.d)?.byName ?? new Map());
    }
  }
  model.structure = model.nodesChanged = true;
}

export function applyNodes(model, msg) {
  model.state = msg.state;
  model.counters = msg.counters;
  for (const w of msg.nodes) {
    setNodeInfo(node(model, w.g, w.n), w);
    for (const wd of w.devices) setDeviceInfo(device(model, w.g, w.n, wd.d), wd);
  }
  model.nodesChanged = true;
}

function applyEvent(model, e) {
  switch (e.k) {
    case 'nbirth': {
      const nd = node(model, e.g, e.n);
      Object.assign(nd, { online: true, stale: false, staleSince: null, bdSeq: e.bdSeq, birth: e.ts, seq: 0 });
      // Devices stay offline until their own DBIRTH of this session.
      for (const dv of nd.devices.values()) {
        if (dv.online) dv.staleSince = Date.now();
        dv.online = false;
      }
      setMetrics(model, nd, e.metrics, nd.byName);
      return;
    }
    case 'ndeath': {
      const nd = node(model, e.g, e.n);
      Object.assign(nd, { online: false, stale: true, staleSince: e.ts });
      for (const dv of nd.devices.values()) {
        if (dv.online) dv.staleSince = e.ts;
        dv.online = false;
      }
      return;
    }
    case 'dbirth': {
      const dv = device(model, e.g, e.n, e.d);
      setDeviceInfo(dv, { online: true, staleSince: null });
      setMetrics(model, dv, e.metrics, dv.byName);
      return;
    }
    case 'ddeath':
      setDeviceInfo(device(model, e.g, e.n, e.d), { online: false, staleSince: e.ts });
      return;
    case 'rebirth':
      node(model, e.g, e.n).counters.rebirthsRequested++;
      return;
    case 'host':
      model.state = e.state;
      return;
  }
}

export function applyDelta(model, msg) {
  for (const e of msg.events) applyEvent(model, e);
  if (msg.events.length > 0) model.nodesChanged = true;
  for (const [g, n, d, values] of msg.values) {
    const owner = d === null ? node(model, g, n) : device(model, g, n, d);
    for (const [name, value, ts] of values) {
      const m = owner.byName.get(name);
      if (m !== undefined) setValue(m, value, ts);
    }
    model.valuesReceived += values.length;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true });

/** Groups, nodes and devices in natural order (Line2 before Line10). */
export function sorted(map) {
  return Array.from(map.values()).sort((a, b) => collator.compare(a.id, b.id));
}
`;
