export { ConfigError, KeyFileError } from "./errors";
export {
  ordererConfigSchema,
  peerSchema,
  nodeRoleSchema,
  electionModeSchema,
  type OrdererConfig,
  type OrdererConfigInput,
  type PeerConfig,
  type AdmissionConfig,
} from "./schema";
export { loadConfig, parseConfig } from "./load";
export { clusterMembers, remotePeers, candidatePool, configWarnings, admissionSettings } from "./validate";
export {
  readTlsMaterial,
  certificateFingerprint,
  certificateNames,
  normalizeFingerprint,
  type TlsMaterial,
  type TlsFiles,
} from "./tls-files";
