/** Wires the mirror from a validated host config: its own persistent MQTT session. */
import type { Logger } from 'pino';
import type { HostConfig } from '../config/index.js';
import { MqttSession } from '../transport/index.js';
import { sessionOptionsFromConfig } from '../transport/from-config.js';
import { scanRetained } from './leftovers.js';
import { Mirror, type MirrorHost } from './mirror.js';

/** undefined when the config has no `mirror:` section. */
export function createMirror(config: HostConfig, host: MirrorHost, logger?: Logger): Mirror | undefined {
  const m = config.mirror;
  if (m === undefined) return undefined;
  // Default: the host's own servers and credentials, never its client id (the two sessions would take turns).
  const { clientId: _hostClientId, ...hostMqtt } = config.mqtt;
  const mqtt = m.mqtt ?? hostMqtt;
  let mirror: Mirror | undefined;
  const options = sessionOptionsFromConfig(mqtt, `sparkstate-mirror-${config.sparkplug.hostId}`, () => mirror?.statusWill(), logger);
  // A persistent session: its CONNACK's session-present flag says whether the broker kept its retained state.
  const transport = new MqttSession({ ...options, cleanSession: false });
  const scanLeftovers = (): Promise<Map<string, Uint8Array>> => scanRetained(options, m.prefix, logger);
  mirror = new Mirror({ host, transport, prefix: m.prefix, maxPerSecond: m.maxPerSecond, leftoverGraceMs: m.leftoverGraceMs, logger, scanLeftovers });
  return mirror;
}
