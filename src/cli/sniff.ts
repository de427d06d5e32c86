/** Prints every Sparkplug message on a broker, decoded, one line each. */
import type { Logger } from 'pino';
import { decodePayload } from '../payload/index.js';
import type { DecodedMetric } from '../payload/types.js';
import { decodeState, parseTopic } from '../topic/index.js';
import { MqttSession } from '../transport/index.js';
import { toJson } from './json.js';

export interface Sniffer {
  stop(): Promise<void>;
}

export async function startSniffer(url: string, log: Logger | undefined, write: (line: string) => void): Promise<Sniffer> {
  const session = new MqttSession({
    servers: [url],
    clientId: `sparkstate-sniff-${process.pid}-${Date.now()}`,
    will: () => undefined,
    ...(log ? { logger: log } : {}),
  });
  session.on('connect', () => {
    session.subscribe([{ topic: 'spBv1.0/#', qos: 1 }]).catch((e: unknown) => log?.error({ err: e }, 'subscribe failed'));
  });
  session.on('message', (topic, payload) => write(describe(topic, payload)));
  await session.start();
  return { stop: () => session.stop() };
}

export function describe(topic: string, payload: Uint8Array): string {
  const time = new Date().toISOString().slice(11, 23);
  try {
    const t = parseTopic(topic);
    if (t.kind === 'state') {
      const s = decodeState(payload);
      return `${time} STATE  ${t.hostId} ${s.online ? 'online' : 'offline'} ts=${s.timestamp}`;
    }
    const p = decodePayload(payload);
    const who = t.kind === 'device' ? `${t.group}/${t.node}/${t.device}` : `${t.group}/${t.node}`;
    const seq = p.seq === undefined ? '' : ` seq=${String(p.seq)}`;
    const metrics = (p.metrics ?? []).map(metricText).join(' ');
    return `${time} ${t.type.padEnd(6)} ${who}${seq} ${metrics}`;
  } catch (e) {
    return `${time} ${topic} (undecodable: ${e instanceof Error ? e.message : String(e)})`;
  }
}

function metricText(m: DecodedMetric): string {
  const id = m.name ?? `#${String(m.alias)}`;
  const value = m.isNull === true ? 'null' : typeof m.value === 'object' && m.value !== null ? toJson(m.value) : String(m.value);
  return `${id}=${value.length > 40 ? `${value.slice(0, 37)}...` : value}${m.isHistorical === true ? '(h)' : ''}`;
}
