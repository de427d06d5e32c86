/** ui/style.css: a dark, quiet operator screen; colour only where state needs attention. */
export const STYLE_CSS = String.raw`
:root {
  --bg: #14181d; --panel: #1a1f26; --line: #242b34; --hover: #1f262f; --text: #d6dce4; --muted: #8a94a3;
  --accent: #5fb3f0; --ok: #3fb950; --warn: #d29922; --bad: #f0625a;
  --cols: minmax(240px, 2fr) minmax(150px, 1fr) 140px 84px 118px 96px;
  --mono: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body {
  display: flex; flex-direction: column; background: var(--bg); color: var(--text);
  font: 13px/1.4 system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif;
}
.bar {
  display: flex; align-items: center; gap: 18px; height: 48px; padding: 0 16px;
  background: var(--panel); border-bottom: 1px solid var(--line);
}
.brand { display: flex; align-items: center; gap: 8px; font-weight: 600; font-size: 15px; letter-spacing: 0.2px; }
.logo { width: 14px; height: 14px; border-radius: 3px; background: linear-gradient(135deg, var(--accent), #2f6fa3); }
.host .lbl, .totals { color: var(--muted); }
#host-id { font-weight: 600; }
.spacer { flex: 1; }
.feed { display: flex; align-items: center; gap: 6px; color: var(--muted); font-variant-numeric: tabular-nums; }
.feed .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--warn); }
.feed.live .dot { background: var(--ok); box-shadow: 0 0 6px rgba(63, 185, 80, 0.6); }
.feed.down .dot { background: var(--bad); }
.tools {
  display: flex; align-items: center; gap: 8px; height: 38px; padding: 0 16px;
  border-bottom: 1px solid var(--line);
}
.hint { color: var(--muted); margin-left: 8px; }
.filter {
  width: 320px; margin-left: 8px; font: inherit; color: var(--text); background: #0f1318;
  border: 1px solid #323b47; border-radius: 4px; padding: 4px 10px; outline: none;
}
.filter:focus { border-color: var(--accent); }
.btn {
  font: inherit; color: var(--text); background: #252c36; border: 1px solid #323b47; border-radius: 4px;
  padding: 4px 12px; cursor: pointer;
}
.btn:hover { background: #2d3641; border-color: #3d4856; }
.btn:disabled { opacity: 0.6; cursor: progress; }
.btn.ghost { background: transparent; }
.btn.warn { border-color: #6b5216; background: #3a2f12; color: #f2cc60; }
.btn.warn:hover { background: #4a3b15; }
.btn.small { padding: 1px 8px; font-size: 12px; }
.btn.small.ghost { background: transparent; border-color: transparent; color: var(--muted); }
.row:hover .btn.small.ghost { border-color: #323b47; color: var(--text); }
.cols, .row { display: grid; grid-template-columns: var(--cols); align-items: center; }
.cols {
  height: 28px; color: var(--muted); font-size: 11px; text-transform: uppercase;
  letter-spacing: 0.6px; background: var(--panel); border-bottom: 1px solid var(--line);
}
.cols > div { padding: 0 8px; }
.cols > div:first-child { padding-left: 16px; }
.r { text-align: right; }
.viewport { position: relative; flex: 1; overflow-y: scroll; outline: none; }
.spacer-rows { position: relative; }
.empty { position: absolute; top: 40px; width: 100%; text-align: center; color: var(--muted); }
.row {
  position: absolute; left: 0; right: 0; top: 0; height: 28px; border-bottom: 1px solid var(--line);
  white-space: nowrap; cursor: default;
}
.row:hover { background: var(--hover); }
.row > div { overflow: hidden; text-overflow: ellipsis; padding: 0 8px; }
.c-name { display: flex; align-items: center; gap: 6px; }
.tw { width: 12px; color: var(--muted); flex: none; }
.nm { overflow: hidden; text-overflow: ellipsis; }
.k-group, .k-node, .k-device { cursor: pointer; }
.k-group { background: #171c22; }
.k-group .nm { font-weight: 600; letter-spacing: 0.3px; }
.k-node .nm { font-weight: 600; }
.k-group > .c-val, .k-group > .c-trend, .k-group > .c-type, .k-group > .c-time,
.k-node > .c-val, .k-node > .c-trend, .k-node > .c-type, .k-node > .c-time,
.k-device > .c-val, .k-device > .c-trend, .k-device > .c-type, .k-device > .c-time { display: none; }
.c-info { grid-column: 2 / 6; color: var(--muted); font-size: 12px; }
.k-metric > .c-info { display: none; }
.kv { margin-right: 12px; }
.kv i { font-style: normal; margin-right: 5px; }
.kv b { font-weight: 500; color: var(--text); font-family: var(--mono); font-size: 12px; }
.badge {
  flex: none; font-size: 10px; font-weight: 600; letter-spacing: 0.5px; padding: 1px 6px; border-radius: 3px;
  border: 1px solid transparent;
}
.badge.none { display: none; }
.badge.online { color: var(--ok); background: rgba(63, 185, 80, 0.12); border-color: rgba(63, 185, 80, 0.35); }
.badge.stale { color: var(--warn); background: rgba(210, 153, 34, 0.12); border-color: rgba(210, 153, 34, 0.4); }
.badge.offline { color: var(--bad); background: rgba(240, 98, 90, 0.12); border-color: rgba(240, 98, 90, 0.4); }
.badge.count { color: var(--muted); background: transparent; border-color: var(--line); font-weight: 500; }
.host .badge { margin-left: 6px; text-transform: uppercase; }
.c-val { text-align: right; font-family: var(--mono); font-variant-numeric: tabular-nums; }
.v { padding: 1px 4px; border-radius: 3px; }
.u { display: inline-block; width: 2.6em; margin-left: 4px; text-align: left; color: var(--muted); font-size: 11px; }
.v.null { color: var(--muted); font-style: italic; }
.v.on { color: var(--ok); }
.v.off { color: var(--muted); }
.edit {
  width: 100%; font: 12px var(--mono); text-align: right; color: var(--text); background: #0f1318;
  border: 1px solid var(--accent); border-radius: 3px; padding: 2px 6px; outline: none;
}
.c-trend canvas { display: block; width: 124px; height: 22px; }
.c-type { color: var(--muted); font-size: 12px; }
.c-time { color: var(--muted); font-family: var(--mono); font-size: 12px; }
.c-act { text-align: right; }
.row.stale .c-val, .row.stale .c-time, .row.stale .nm, .row.stale .v.on { color: var(--muted); }
.row.stale .c-val .v { text-decoration: line-through; text-decoration-color: rgba(210, 153, 34, 0.6); }
.toasts { position: fixed; right: 16px; bottom: 16px; display: flex; flex-direction: column; gap: 8px; z-index: 10; }
.toast {
  max-width: 460px; padding: 8px 12px; border-radius: 4px; background: #222a34; border: 1px solid #344050;
  border-left: 3px solid var(--accent); box-shadow: 0 4px 16px rgba(0, 0, 0, 0.4);
}
.toast.error { border-left-color: var(--bad); }
`;
