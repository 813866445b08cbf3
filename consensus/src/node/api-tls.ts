import { consortiumBlockAccess } from "../api/block-access";
import type { ApiServerOptions } from "../api/server";
import type { OrdererConfig } from "../config/schema";
import { readTlsMaterial } from "../config/tls-files";

/**
 * HTTPS for the client API when the config has `api.tls` (off by default). Followers forward to the
 * leader's API, which is HTTPS too then, through an undici Agent that trusts the consortium CA and
 * presents this node's API certificate (for leaders that request client certificates). Node's own
 * fetch is undici, but cannot be given a CA any other way; the undici package is the one Hardhat
 * already installs.
 */
export function apiTlsOptions(
  cfg: OrdererConfig,
  members: () => readonly { id: string; role: string; fingerprint?: string }[] = () => cfg.peers,
): Pick<ApiServerOptions, "tls" | "forwardDispatcher" | "blockAccess" | "adminAccess"> {
  const files = cfg.api.tls;
  if (files === undefined) return {};
  const m = readTlsMaterial(files, "api.tls");
  // Loaded only here: a daemon on plain HTTP does not carry undici's modules in its heap.
  const { Agent } = require("undici") as typeof import("undici");
  const peerCa = readTlsMaterial(cfg.tls, "tls").ca;
  const consortium = consortiumBlockAccess(members, peerCa);
  const tradingCentre = consortiumBlockAccess(() => members().filter((x) => x.role === "trading-centre"), peerCa);
  return {
    tls: { key: m.key, cert: m.cert, ca: m.ca, requestCert: files.requestClientCert },
    forwardDispatcher: new Agent({ connect: { ca: m.ca, cert: m.cert, key: m.key } }),
    // Blocks go to the consortium's nodes only: whoever the peer links would accept.
    blockAccess: consortium,
    // Membership is the trading centre's to change (it runs the consortium); a follower forwarding an operator's
    // request has checked that operator's certificate already and presents its own, a member's.
    adminAccess: (socket, forwarded) => (forwarded ? consortium(socket) : tradingCentre(socket)),
  };
}
