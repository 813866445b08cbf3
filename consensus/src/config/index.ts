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
  readTlsMaterial,
  certificateFingerprint,
  certificateNames,
  normalizeFingerprint,
  type TlsMaterial,
  type TlsFiles,
} from "./tls-files";
