/**
 * The ordering service's public entry: what the rest of the project (the replay, the dashboard's tests, the scripts)
 * uses. Everything else in consensus/ is internal to it and may change without notice.
 */
export { LocalCluster, type LocalClusterOptions } from "./node/cluster";
export { CA_CERT_FILE, certPaths, writeClusterCertificates } from "./config/certs";
