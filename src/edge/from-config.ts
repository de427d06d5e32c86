/** Wires an EdgeNode from a validated config: MQTT session, bdSeq file, store-and-forward queue, sources. */
import type { Logger } from 'pino';
import type { EdgeConfig } from '../config/index.js';
import { createDeviceSources } from '../sources/from-config.js';
import { createSimulatedSources } from '../sources/simulated/index.js';
import { BdSeqStore, ForwardQueue } from '../store/index.js';
import { MqttSession } from '../transport/index.js';
import { sessionOptionsFromConfig } from '../transport/from-config.js';
import { PersistentBdSeq } from './bdseq-source.js';
import { EdgeNode } from './edge-node.js';

export interface EdgeFromConfigOptions {
  readonly logger?: Logger;
  /** Seed for the simulated generators (repeatable demos and tests). */
  readonly seed?: number;
}

export async function createEdgeNode(config: EdgeConfig, opts: EdgeFromConfigOptions = {}): Promise<EdgeNode> {
  const { groupId, edgeNodeId } = config.sparkplug;
  const log = opts.logger;
  const bdSeq = await PersistentBdSeq.open(await BdSeqStore.open(config.storeDir, log ? { logger: log } : {}), log);
  const sf = config.storeAndForward;
  const forwardStore = sf.enabled
    ? await ForwardQueue.open({
        dir: config.storeDir,
        maxBytes: sf.maxBytes,
        flushIntervalMs: sf.flushIntervalMs,
        maxPending: sf.maxPendingOnFailure,
        logger: log,
      })
    : undefined;
  const simOpts = opts.seed === undefined ? {} : { seed: opts.seed };
  const devices = await createDeviceSources(config.devices, { storeDir: config.storeDir, logger: log, ...simOpts });
  const nodeSource =
    config.metrics.length === 0
      ? undefined
      : createSimulatedSources([{ id: edgeNodeId, source: 'simulated', metrics: config.metrics }], simOpts)[0];
  let node: EdgeNode | undefined;
  const transport = new MqttSession(
    sessionOptionsFromConfig(config.mqtt, `${groupId}-${edgeNodeId}`, () => node?.willMessage(), log),
  );
  node = new EdgeNode({
    groupId,
    edgeNodeId,
    primaryHostId: config.sparkplug.primaryHostId,
    serverCount: config.mqtt.servers.length,
    primaryHostWaitMs: config.sparkplug.primaryHostWaitMs,
    transport,
    protocolVersion: config.mqtt.protocolVersion,
    bdSeq,
    forwardStore,
    nodeSource,
    devices,
    scanIntervalMs: config.scanIntervalMs,
    useAliases: config.sparkplug.useAliases,
    sendNamesInData: config.sparkplug.sendNamesInData,
    datatypesInData: config.sparkplug.datatypesInData,
    replayRatePerSec: sf.replayRatePerSec,
    resendWindowMs: sf.resendWindowMs,
    resendWindowMaxBytes: sf.resendWindowMaxBytes,
    logger: log,
  });
  return node;
}
