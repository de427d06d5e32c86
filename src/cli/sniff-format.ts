/** How `sparkstate sniff` prints what it saw: one readable line (or JSON object) per message, and the summary. */
import type { DecodedMetric } from '../payload/types.js';
import { toJson } from './json.js';
import { FLAG_KINDS, type Flag, type SniffRecord, type SniffSummary } from './sniff-checks.js';

const MAX_VALUE_CHARS = 40;

/** UTC time of day with milliseconds: enough to line messages up, short enough for a terminal. */
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

/** One line: time, type, group/node[/device], seq, metrics by name with values, then the flags. */
export function formatLine(r: SniffRecord): string {
  const time = clock(r.wire.receivedAt);
  let text: string;
  switch (r.kind) {
    case 'sparkplug': {
      const t = r.topic;
      const who = t.kind === 'device' ? `${t.group}/${t.node}/${t.device}` : `${t.group}/${t.node}`;
      const seq = r.payload.seq === undefined ? '' : ` seq=${r.payload.seq}`;
      const metrics = (r.payload.metrics ?? []).map(metricText);
      text = [`${time} ${t.type.padEnd(6)} ${who}${seq}`, ...metrics].join(' ');
      break;
    }
    case 'state':
      text = `${time} STATE  ${r.hostId} ${r.online ? 'online' : 'offline'} ts=${r.timestamp} (${new Date(r.timestamp).toISOString()})`;
      break;
    case 'undecodable':
      text = `${time} ${(r.type ?? '?').padEnd(6)} ${r.wire.topic} (${r.wire.payload.length} bytes)`;
      break;
    default: {
      const unreachable: never = r;
      return unreachable;
    }
  }
  return text + r.flags.map(flagText).join('');
}

/** One JSON object per message; bigints as decimal strings, bytes as hex. */
export function formatJson(r: SniffRecord): string {
  const base = { time: new Date(r.wire.receivedAt).toISOString(), topic: r.wire.topic, qos: r.wire.qos, retain: r.wire.retain };
  switch (r.kind) {
    case 'sparkplug': {
      const t = r.topic;
      const { seq, timestamp, metrics, uuid } = r.payload;
      return toJson({
        ...base,
        type: t.type,
        group: t.group,
        node: t.node,
        ...(t.kind === 'device' ? { device: t.device } : {}),
        ...(seq === undefined ? {} : { seq }),
        ...(timestamp === undefined ? {} : { timestamp }),
        ...(uuid === undefined ? {} : { uuid }),
        metrics: metrics ?? [],
        flags: r.flags,
      });
    }
    case 'state':
      return toJson({ ...base, type: 'STATE', hostId: r.hostId, online: r.online, timestamp: r.timestamp, flags: r.flags });
    case 'undecodable':
      return toJson({ ...base, ...(r.type === undefined ? {} : { type: r.type }), payload: r.wire.payload, flags: r.flags });
    default: {
      const unreachable: never = r;
      return unreachable;
    }
  }
}

export function formatSummary(s: SniffSummary, json: boolean): string {
  if (json) return toJson({ summary: s });
  const types = Object.entries(s.byType).map(([type, n]) => `${type} ${n}`);
  const lines = [`--- sniff summary: ${s.messages} message${s.messages === 1 ? '' : 's'}${types.length > 0 ? ` (${types.join(', ')})` : ''} ---`];
  const kinds = FLAG_KINDS.filter((k) => s.byKind[k] !== undefined);
  if (kinds.length === 0) lines.push('no problems seen');
  for (const kind of kinds) {
    lines.push(`${kind}: ${s.byKind[kind] ?? 0}`);
    for (const e of s.examples.filter((x) => x.kind === kind)) lines.push(`  ${clock(e.receivedAt)} ${e.topic}: ${e.message}`);
  }
  if (!s.retainChecked) lines.push('retain flags not checked: the broker speaks MQTT 3.1.1 only (no Retain As Published)');
  return lines.join('\n');
}

function flagText(f: Flag): string {
  return `  !! [${f.kind}] ${f.message}`;
}

function metricText(m: DecodedMetric): string {
  const id = m.name ?? `#${String(m.alias)}`;
  const value = m.isNull === true ? 'null' : typeof m.value === 'object' && m.value !== null ? toJson(m.value) : String(m.value);
  return `${id}=${value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS - 3)}...` : value}${m.isHistorical === true ? '(h)' : ''}`;
}
