export { ConfigError, KeyFileError } from "./errors";
export {
  ordererConfigSchema,
  peerSchema,
  nodeRoleSchema,
  electionModeSchema,
  type OrdererConfig,
  type OrdererConfigInput,
  type PeerConfig,
} from "./schema";
export { loadConfig, parseConfig } from "./load";
export { clusterMembers, remotePeers, candidatePool, configWarnings } from "./validate";
export {
  generateNodeKey,
  writeKeyFile,
  readKeyFile,
  ensureKeyFile,
  publicKeyFromHex,
  publicKeyToHex,
  type NodeKey,
} from "./keys";
