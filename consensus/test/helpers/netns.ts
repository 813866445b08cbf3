import { execFileSync } from "node:child_process";
import crypto from "node:crypto";

/**
 * Hosts for process tests, one Linux network namespace per node: each namespace has a veth link to a bridge in the
 * test's own namespace, and a private address on it, so nodes talk over a real (virtual) network with non-loopback
 * addresses, as on separate machines; the test reaches every node through the bridge. Cutting a node's link (its
 * host-side veth down) partitions it at the network, below the node's own fault injection. Needs root (CAP_NET_ADMIN)
 * and iproute2.
 */
export interface NetnsHosts {
  /** Node i's address. */
  readonly addresses: readonly string[];
  /** The namespace node i runs in. */
  readonly namespaces: readonly string[];
  /** The command prefix that runs a process inside node i's namespace (`ip netns exec` execs, it does not fork). */
  wrap(i: number): readonly string[];
  /** Takes node i's link down (`true`) or up again (`false`). */
  cut(i: number, down: boolean): void;
  /** Removes the namespaces, links and bridge; safe to call twice. */
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Why network namespaces cannot be made here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== "linux") return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "network namespaces need root (CAP_NET_ADMIN); run as root, as CI does";
  const probe = `dplcprobe${crypto.randomBytes(3).toString("hex")}`;
  try {
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    return null;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `cannot create a network namespace (${stderr || (err as Error).message})`;
  }
}

/**
 * Makes `n` namespaces on a fresh /24 (10.x.y.0/24, picked at random so parallel runs do not clash): node i gets
 * 10.x.y.(i+1), the bridge 10.x.y.254. Interface names stay within Linux's 15 characters.
 */
export function makeNetnsHosts(n: number): NetnsHosts {
  const tag = crypto.randomBytes(3).toString("hex");
  const subnet = `10.${100 + crypto.randomInt(100)}.${crypto.randomInt(250)}`;
  const bridge = `dbr${tag}`;
  const namespaces = Array.from({ length: n }, (_, i) => `dplc-${tag}-n${i + 1}`);
  const hostSide = (i: number): string => `dv${tag}h${i + 1}`;
  const addresses = namespaces.map((_, i) => `${subnet}.${i + 1}`);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    for (const ns of namespaces) tryIp("netns", "del", ns); // deletes the veth pair with it
    tryIp("link", "del", bridge);
  };
  try {
    ip("link", "add", bridge, "type", "bridge");
    ip("addr", "add", `${subnet}.254/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    namespaces.forEach((ns, i) => {
      const inner = `dv${tag}n${i + 1}`;
      ip("netns", "add", ns);
      ip("link", "add", hostSide(i), "type", "veth", "peer", "name", inner);
      ip("link", "set", inner, "netns", ns);
      ip("link", "set", hostSide(i), "master", bridge);
      ip("link", "set", hostSide(i), "up");
      ip("-n", ns, "addr", "add", `${addresses[i]}/24`, "dev", inner);
      ip("-n", ns, "link", "set", inner, "up");
      ip("-n", ns, "link", "set", "lo", "up");
    });
  } catch (err) {
    remove();
    throw err;
  }
  return {
    addresses,
    namespaces,
    wrap: (i) => ["ip", "netns", "exec", namespaces[i]!],
    cut: (i, down) => ip("link", "set", hostSide(i), down ? "down" : "up"),
    remove,
  };
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // Already gone.
  }
}
