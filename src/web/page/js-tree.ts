/**
 * ui/tree.js: the tree as a flat list of visible rows, and a virtual list that keeps DOM elements
 * only for the rows on screen (plus a few), so 100,000 metrics cost no more to draw than 40.
 */
export const TREE_JS = String.raw`
import { sorted } from './model.js';

/**
 * The rows to show: groups open by default (there are few), nodes and devices closed until clicked.
 * expanded: keys of open groups, nodes and devices; seen: groups already given their default.
 */
export function flatten(model, expanded, seen) {
  const rows = [];
  for (const g of sorted(model.groups)) {
    if (!seen.has(g.key)) {
      seen.add(g.key);
      expanded.add(g.key);
    }
    rows.push({ kind: 'group', ref: g, depth: 0 });
    if (!expanded.has(g.key)) continue;
    for (const n of sorted(g.nodes)) {
      rows.push({ kind: 'node', ref: n, depth: 1 });
      if (!expanded.has(n.key)) continue;
      for (const m of n.metrics) rows.push({ kind: 'metric', ref: m, depth: 2 });
      for (const d of sorted(n.devices)) {
        rows.push({ kind: 'device', ref: d, depth: 2 });
        if (!expanded.has(d.key)) continue;
        for (const m of d.metrics) rows.push({ kind: 'metric', ref: m, depth: 3 });
      }
    }
  }
  return rows;
}

/**
 * The rows while a filter is typed: every metric whose path (group/node/device/name) contains the
 * text, case-insensitive, under its group, node and device, all shown open.
 */
export function filtered(model, text) {
  const q = text.toLowerCase();
  const rows = [];
  let matches = 0;
  const hits = (owner) => owner.metrics.filter((m) => (owner.key + '/' + m.name).toLowerCase().includes(q));
  // Ancestors go in only once something under them matched: their places are kept and filled then.
  for (const g of sorted(model.groups)) {
    const groupAt = rows.length;
    for (const n of sorted(g.nodes)) {
      const nodeAt = rows.length;
      const add = (owner, depth) => {
        for (const m of hits(owner)) {
          rows.push({ kind: 'metric', ref: m, depth });
          matches++;
        }
      };
      add(n, 2);
      for (const d of sorted(n.devices)) {
        const deviceAt = rows.length;
        add(d, 3);
        if (rows.length > deviceAt) rows.splice(deviceAt, 0, { kind: 'device', ref: d, depth: 2 });
      }
      if (rows.length > nodeAt) rows.splice(nodeAt, 0, { kind: 'node', ref: n, depth: 1 });
    }
    if (rows.length > groupAt) rows.splice(groupAt, 0, { kind: 'group', ref: g, depth: 0 });
  }
  return { rows, matches };
}

export class VirtualList {
  /** create(): a row element; draw(el, row, fresh): fills it (fresh: it showed another row before). */
  constructor(viewport, spacer, rowHeight, create, draw) {
    this.viewport = viewport;
    this.spacer = spacer;
    this.h = rowHeight;
    this.create = create;
    this.draw = draw;
    this.rows = [];
    this.pool = [];
    this.overscan = 6;
  }

  setRows(rows) {
    this.rows = rows;
    this.spacer.style.height = rows.length * this.h + 'px';
  }

  /** Draws the rows in view; each pool element serves row i where i % pool size is its slot. */
  render() {
    const top = this.viewport.scrollTop;
    const visible = Math.ceil(this.viewport.clientHeight / this.h) + 2 * this.overscan;
    while (this.pool.length < visible) {
      const el = this.create();
      el.row = null;
      this.spacer.appendChild(el);
      this.pool.push(el);
    }
    const size = this.pool.length;
    const first = Math.max(0, Math.floor(top / this.h) - this.overscan);
    const last = Math.min(this.rows.length, first + size);
    const used = new Set();
    for (let i = first; i < last; i++) {
      const el = this.pool[i % size];
      used.add(el);
      const row = this.rows[i];
      const fresh = el.row !== row;
      if (fresh) {
        el.row = row;
        el.hidden = false;
        el.style.transform = 'translateY(' + i * this.h + 'px)';
      }
      this.draw(el, row, fresh);
    }
    for (const el of this.pool) {
      if (used.has(el) || el.hidden) continue;
      el.hidden = true;
      el.row = null;
    }
  }
}
`;
