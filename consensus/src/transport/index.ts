export type { Transport, MessageHandler, PartitionControl, PeerStats, TransportStats } from "./transport";
export { encodeMessage, decodeMessage, toWire, fromWire } from "./codec";
export { TcpTransport, type TcpPeer, type TcpTransportOptions } from "./tcp";
export { tcpTransportFromConfig } from "./from-config";
export { MemoryNetwork, MemoryTransport } from "./memory";
export { setPartition, partitionFromEnv, parsePeerList, PARTITION_ENV } from "./partition";
export { BoundedQueue } from "./bounded-queue";
export { FrameDecoder, encodeFrame } from "./frame";
export { TransportError, MessageDecodeError, FrameError } from "./errors";
