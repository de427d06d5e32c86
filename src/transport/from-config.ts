/** MQTT session options from a validated `mqtt:` config section (shared by edge and host). */
import type { Logger } from 'pino';
import type { MqttConfig } from '../config/index.js';
import type { MqttSessionOptions, WillMessage } from './options.js';

export function sessionOptionsFromConfig(
  mqtt: MqttConfig,
  clientId: string,
  will: () => WillMessage | undefined,
  logger: Logger | undefined,
): MqttSessionOptions {
  const o: MqttSessionOptions = {
    servers: mqtt.servers,
    clientId: mqtt.clientId ?? clientId,
    protocolVersion: mqtt.protocolVersion,
    keepaliveSec: mqtt.keepaliveSec,
    backoff: { initialMs: mqtt.backoff.initialMs, maxMs: mqtt.backoff.maxMs },
    will,
  };
  if (mqtt.username !== undefined) o.username = mqtt.username;
  if (mqtt.password !== undefined) o.password = mqtt.password;
  if (mqtt.tls !== undefined) o.tls = mqtt.tls;
  if (logger !== undefined) o.logger = logger;
  return o;
}
