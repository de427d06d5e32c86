/** Wires a HostApplication from a validated host config: one MQTT session whose Will is the host's STATE death. */
import type { Logger } from 'pino';
import type { HostConfig } from '../config/index.js';
import { MqttSession } from '../transport/index.js';
import { sessionOptionsFromConfig } from '../transport/from-config.js';
import { HostApplication } from './host-application.js';

export interface HostFromConfigOptions {
  readonly logger?: Logger | undefined;
}

export function createHostApplication(config: HostConfig, opts: HostFromConfigOptions = {}): HostApplication {
  const { hostId, groups } = config.sparkplug;
  const log = opts.logger;
  // The session asks for the Will before every CONNECT, but only once started; the closure is bound
  // late because the host needs the session in its constructor. [tck-id-host-topic-phid-death-required]
  // [tck-id-operational-behavior-host-application-connect-will] [tck-id-payloads-state-will-message]
  let host: HostApplication | undefined;
  const transport = new MqttSession(sessionOptionsFromConfig(config.mqtt, `sparkstate-host-${hostId}`, () => host?.willMessage(), log));
  host = new HostApplication({
    hostId,
    groups,
    transport,
    rebirth: {
      enabled: config.rebirth.enabled,
      reorderWindowMs: config.rebirth.reorderWindowMs,
      maxPerSecond: config.rebirth.maxPerSecond,
      staleAfterReconnectMs: config.rebirth.staleAfterReconnectMs,
    },
    limits: config.limits,
    logger: log,
  });
  return host;
}
