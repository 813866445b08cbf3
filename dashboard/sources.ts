/** Everything the dashboard reads, opened once from its config: chains, contracts, names, membership, live state. */
import { JsonRpcProvider } from "ethers";
import { attach, attachBridge } from "../src/ops/deployment";
import type { MarketSystem } from "../src/chain/deploy";
import type { Membership } from "./auth";
import type { DashboardConfig } from "./config";
import type { LiveState } from "./events";
import { readCluster } from "./views/cluster";
import { Names } from "./views/market";
import { roleId } from "../src/chain/roles";

export interface Sources {
  readonly config: DashboardConfig;
  readonly main: JsonRpcProvider;
  readonly sys: MarketSystem;
  readonly names: Names;
  readonly bridge: ReturnType<typeof attachBridge> | null;
  readonly membership: Membership;
  readLive(): Promise<LiveState>;
  close(): void;
}

export function openSources(config: DashboardConfig): Sources {
  const d = config.deployment;
  const main = new JsonRpcProvider(config.mainRpcUrl, d.chainId, { staticNetwork: true });
  const side = config.sideRpcUrl === undefined || d.side === undefined ? null : new JsonRpcProvider(config.sideRpcUrl, d.side.chainId, { staticNetwork: true });
  const sys = attach(d, main);
  const membership: Membership = async (address) => {
    if (await sys.registry.hasRole(roleId("TRADING_CENTRE_ROLE"), address)) return "trading-centre";
    return (await sys.registry.isApproved(address)) ? "participant" : null;
  };
  return {
    config,
    main,
    sys,
    names: new Names(sys),
    bridge: side === null ? null : attachBridge(d, main, side),
    membership,
    async readLive() {
      const current = Number(await sys.market.currentRound());
      const round =
        current === 0
          ? null
          : await sys.market.round(current).then((r) => ({ id: current, state: `${r.state}${r.listing ? "/listing" : ""}`, settledTrades: Number(r.settledTrades) }));
      const cluster = config.orderers.length === 0 ? null : await readCluster(config.orderers, 500);
      return { block: await main.getBlockNumber(), round, leader: cluster?.leader ?? null };
    },
    close() {
      main.destroy();
      side?.destroy();
    },
  };
}
