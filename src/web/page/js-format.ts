/** ui/format.js: values, times and counts as text, and the trend sparkline. */
export const FORMAT_JS = String.raw`
const INTEGER = new Set(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64']);
const SCALAR = new Set(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'Text', 'UUID', 'DateTime']);

/** Metrics the write box is offered for: scalars; the edge decides whether it accepts the command. */
export function writable(m) {
  return SCALAR.has(m.type) && m.name !== 'bdSeq';
}

const pad = (n, w) => String(n).padStart(w, '0');

/** Local wall-clock time with milliseconds; the date too when it is not today. */
export function time(ts) {
  if (ts === null || ts === undefined) return '';
  const d = new Date(Number(ts));
  if (Number.isNaN(d.getTime())) return String(ts);
  const hms = pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return hms;
  return d.getFullYear() + '-' + pad(d.getMonth() + 1, 2) + '-' + pad(d.getDate(), 2) + ' ' + hms;
}

export function count(n) {
  return n.toLocaleString('en-US');
}

function float(v) {
  if (typeof v !== 'number') return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e9 || a < 1e-3)) return v.toExponential(3);
  return String(Math.round(v * 1000) / 1000);
}

function short(s, max) {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A metric value as one short line (the full value goes into the cell's title). */
export function value(m) {
  const v = m.value;
  if (v === null) return 'null';
  if (m.type === 'Float' || m.type === 'Double') return float(v);
  if (INTEGER.has(m.type)) return String(v);
  if (m.type === 'Boolean') return v ? 'true' : 'false';
  if (m.type === 'DateTime') return time(v);
  if (m.type === 'Bytes' || m.type === 'File') return count(Math.floor((String(v).length * 3) / 4)) + ' bytes';
  if (Array.isArray(v)) return '[' + short(v.slice(0, 8).join(', '), 40) + (v.length > 8 ? ', …' : '') + '] (' + v.length + ')';
  if (typeof v === 'object') return short(JSON.stringify(v), 60);
  return short(String(v), 80);
}

/** Text typed into the write box → the JSON value POST /api/write takes for this datatype. */
export function parseInput(m, text) {
  const t = text.trim();
  if (m.type === 'Boolean') {
    if (/^(true|1|on)$/i.test(t)) return true;
    if (/^(false|0|off)$/i.test(t)) return false;
    throw new Error('expected true or false');
  }
  if (m.type === 'Float' || m.type === 'Double') {
    const n = Number(t);
    if (t === '' || Number.isNaN(n)) throw new Error('expected a number');
    return n;
  }
  if (INTEGER.has(m.type) || m.type === 'DateTime') {
    if (!/^-?\d+$/.test(t)) throw new Error('expected an integer');
    // Beyond 2^53 a JSON number would lose digits: the API takes 64-bit integers as decimal strings.
    return Number.isSafeInteger(Number(t)) ? Number(t) : t;
  }
  return text;
}

/** Draws the last values of a numeric metric, oldest left; NaN leaves a gap. */
export function sparkline(canvas, m, live) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const c = canvas.getContext('2d');
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  c.clearRect(0, 0, w, h);
  const n = m.count;
  if (n === 0) return;
  // One value so far: no buffer yet (see model.js), the value is in m.first.
  const size = m.hist === null ? 1 : m.hist.length, start = (m.head - n + size) % size;
  const at = (i) => (m.hist === null ? m.first : m.hist[(start + i) % size]);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = at(i);
    if (Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  }
  if (lo === Infinity) return;
  const span = hi - lo || 1, inset = 3;
  // The points there are fill the width (a new metric's trend is not a dot at the edge).
  const px = (i) => (n === 1 ? w - 4 : 4 + i * ((w - 8) / (n - 1)));
  const py = (x) => (hi === lo ? h / 2 : inset + (h - 2 * inset) * (1 - (x - lo) / span));
  c.lineWidth = 1.25;
  c.strokeStyle = live ? '#5fb3f0' : '#6b7480';
  c.beginPath();
  let drawing = false, lastX = 0, lastY = 0;
  for (let i = 0; i < n; i++) {
    const x = at(i);
    if (!Number.isFinite(x)) { drawing = false; continue; }
    lastX = px(i); lastY = py(x);
    if (drawing) c.lineTo(lastX, lastY); else c.moveTo(lastX, lastY);
    drawing = true;
  }
  c.stroke();
  c.fillStyle = live ? '#9ad3ff' : '#6b7480';
  c.beginPath();
  c.arc(lastX, lastY, 1.8, 0, Math.PI * 2);
  c.fill();
}
`;
