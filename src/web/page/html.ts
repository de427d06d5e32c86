/** The page's HTML: a header, a column header and the virtual tree list (filled by ui/app.js). */
export const INDEX_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sparkstate · live</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="ui/style.css">
<script type="module" src="ui/app.js"></script>
</head>
<body>
<header class="bar">
  <div class="brand"><span class="logo"></span>sparkstate</div>
  <div class="host"><span class="lbl">Host</span> <span id="host-id">…</span> <span id="host-state" class="badge">connecting</span></div>
  <div id="totals" class="totals"></div>
  <div class="spacer"></div>
  <div id="feed" class="feed"><span class="dot"></span><span id="feed-text">connecting…</span></div>
  <button id="restart-broker" class="btn warn" hidden title="Close the embedded MQTT broker and start it again on the same port">Restart broker</button>
</header>
<div class="tools">
  <button id="expand-all" class="btn ghost">Expand nodes</button>
  <button id="collapse-all" class="btn ghost">Collapse nodes</button>
  <input id="filter" class="filter" type="search" placeholder="Filter: metric name or path, e.g. Filler/Temp" spellcheck="false" autocomplete="off">
  <span id="matches" class="hint"></span>
  <span class="spacer"></span>
  <span class="hint">Click a row to expand it · ✎ writes a metric (NCMD/DCMD)</span>
</div>
<div class="cols">
  <div>Name</div><div class="r">Value</div><div>Trend</div><div>Type</div><div>Updated</div><div></div>
</div>
<main id="viewport" class="viewport" tabindex="0">
  <div id="spacer" class="spacer-rows"></div>
  <div id="empty" class="empty">Waiting for edge nodes…</div>
</main>
<div id="toasts" class="toasts" aria-live="polite"></div>
</body>
</html>
`;
