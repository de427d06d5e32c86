/** An OPC UA server as a Sparkplug device source (node-opcua-client; see source.ts). */
import type { OpcuaDeviceConfig } from '../../config/opcua.js';
import { OpcuaSource } from './source.js';
import type { OpcuaSourceOptions } from './source.js';

export { OpcuaSource };
export type { OpcuaSourceOptions };

/** The source for one `source: opcua` device; connects only when started. */
export function createOpcuaSource(config: OpcuaDeviceConfig, opts: OpcuaSourceOptions): OpcuaSource {
  return new OpcuaSource(config, opts);
}
