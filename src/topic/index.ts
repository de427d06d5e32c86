export {
  NAMESPACE,
  assertValidId,
  formatTopic,
  idProblem,
  parseTopic,
  type DeviceMessageType,
  type IdKind,
  type MessageType,
  type NodeMessageType,
  type SparkplugTopic,
} from './topic.js';
export { decodeState, encodeState, type StatePayload } from './state.js';
