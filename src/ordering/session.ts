import { JsonRpcProvider, Network, getCreateAddress, type Signer } from "ethers";
import type { OperatorSigners } from "../chain/deploy";
import type { DevnetRpc } from "../chain/devnet";
import { advanceClockPast, settledReplicas } from "./replicas";
import { ACCOUNT, devnetWallet } from "../devnet/accounts";
import { DevnetError } from "../devnet/errors";
import type { Evm } from "../devnet/node";
import { chainIdOf } from "../devnet/rpc";
import { InvalidArgumentError } from "../errors";
import { OrderedSubmitter } from "../submitters/ordered";
import { OrdererUnavailableError } from "../submitters/orderer-api";
import { directSubmitter, type Submitter } from "../submitters";
import { startOrderingCluster, type AdmissionConfig, type OrderingCluster } from "./cluster";
import { LeaderMonitor } from "./leader-monitor";
import { directSummary, raftSummary, recording, type OrderingJson } from "./summary";

/** Where a market runs: its operators, the chain's JSON-RPC, how transactions reach it, and how to stop it all. */
export interface MarketChain {
  readonly operators: OperatorSigners;
  readonly rpc: DevnetRpc;
  readonly submitter: Submitter;
  /** Set when the chain's clock must be moved without mining (behind an ordering service: an ordered clock advance). */
  readonly advanceTime?: (timestamp: number) => Promise<void>;
  /** Set when gas money must reach participants without writing to a chain directly (ordered transfers). */
  readonly fund?: (addresses: readonly string[], wei: bigint) => Promise<void>;
  readonly label: string;
  /** The JSON-RPC URL of the chain `rpc` reads (when it has one: not the in-process network), for daemons that watch
   * it themselves (Case B's relayer and validators). */
  readonly chainUrl?: string;
  /** The ordering service's client API URLs, when the chain runs behind one: daemons that send transactions to it
   * (Case B's relayer) post them there, never to `chainUrl`. */
  readonly ordererUrls?: readonly string[];
  /** The registry address the ordering service admits senders against, when it was fixed before deployment. */
  readonly expectedRegistry?: string;
  /** The `ordering` summary of everything submitted so far. */
  summary(): Promise<OrderingJson>;
  stop(): Promise<void>;
}

export interface OrderedChainOptions {
  /** A running cluster's API URLs; without them a local cluster is started (and stopped with the chain). */
  readonly urls?: readonly string[];
  /** The JSON-RPC URL of a node's replica of a running cluster (required with `urls`; any node's answers the same). */
  readonly chainUrl?: string;
  readonly nodes?: number;
  readonly pool?: number;
  readonly admission?: AdmissionConfig;
  readonly batchTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** The EVM of a local cluster's replicas (default hardhat). */
  readonly evm?: Evm;
}

/**
 * A provider for a chain node the market talks to: fixed chain id, no response cache, and no 10 ms stall before each
 * JSON-RPC batch (ethers' default), which would add to every step of every transaction.
 */
export function chainProvider(url: string, chainId: bigint | number): JsonRpcProvider {
  const network = Network.from(chainId);
  const provider = new JsonRpcProvider(url, network, { staticNetwork: network, cacheTimeout: -1, batchStallTime: 0 });
  provider.pollingInterval = 10;
  return provider;
}

/** The operator roles' signers in the order of the default accounts (0 admin … 4 cashier). */
export function operatorsOf(signers: readonly Signer[]): OperatorSigners {
  const [admin, tradingCentre, dispatch, gridCompany, cashier] = signers;
  if (cashier === undefined) throw new InvalidArgumentError("the market needs five operator accounts");
  return { admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier };
}

/** The market on a chain it is sent to directly (today's path), counting what was sent. */
export function directChain(signers: readonly Signer[], rpc: DevnetRpc, label: string, stop: () => Promise<void>): MarketChain {
  const submitter = recording(directSubmitter);
  return { operators: operatorsOf(signers), rpc, submitter, label, summary: () => directSummary(submitter.receipts), stop };
}

const OPERATOR_ACCOUNTS = [ACCOUNT.admin, ACCOUNT.tradingCentre, ACCOUNT.dispatch, ACCOUNT.gridCompany, ACCOUNT.cashier];

/**
 * Admission for a market deployed on a fresh chain through the cluster: the operators sign without registering, and
 * everyone else must be approved in the registry, which is the admin's second contract creation (the token is its
 * first), so its address is known before anything is deployed. The replay checks that the deployment put it there.
 */
export function marketAdmission(): AdmissionConfig {
  const admin = devnetWallet(ACCOUNT.admin).address;
  return { registry: getCreateAddress({ from: admin, nonce: 1 }), operators: OPERATOR_ACCOUNTS.map((i) => devnetWallet(i).address) };
}

/**
 * Admission for the market and its bridge (Case B, the demo): the market's operators, the keeper (settlement reports
 * and confirmation blocks) and the relayer (bridge deliveries to the main chain) sign without registering.
 */
export function bridgedMarketAdmission(): AdmissionConfig {
  const base = marketAdmission();
  return { ...base, operators: [...base.operators, devnetWallet(ACCOUNT.keeper).address, devnetWallet(ACCOUNT.relayer).address] };
}

/**
 * The market behind the improved-Raft ordering service: a local cluster started here, or a running one (`urls` and
 * `chainUrl`). The operators sign with the default devnet accounts' keys; every transaction goes to the cluster.
 */
export async function openOrderedChain(o: OrderedChainOptions): Promise<MarketChain> {
  if (o.urls !== undefined && o.chainUrl === undefined) {
    throw new InvalidArgumentError("--orderer needs --chain-url: the JSON-RPC URL of a node's replica of the chain (receipts are read there)");
  }
  const admission = o.admission ?? marketAdmission();
  const cluster: OrderingCluster | null =
    o.urls === undefined ? await startOrderingCluster({ nodes: o.nodes, pool: o.pool, admission, batchTimeoutMs: o.batchTimeoutMs, log: o.log, evm: o.evm }) : null;
  const chainUrl = cluster?.chainUrl ?? o.chainUrl!;
  const urls = cluster?.urls ?? o.urls!;
  let provider: JsonRpcProvider | null = null;
  let monitor: LeaderMonitor | null = null;
  try {
    const chainId = BigInt(await chainIdOf(chainUrl).catch((err: Error) => {
      throw new DevnetError(`cannot reach the chain at ${chainUrl}: ${err.cause instanceof Error ? err.cause.message : err.message}`);
    }));
    provider = chainProvider(chainUrl, chainId);
    const ordered = new OrderedSubmitter({ urls, provider, chainId });
    const submitter = recording(ordered);
    monitor = new LeaderMonitor(ordered.api);
    await monitor.start();
    if (monitor.nodes === 0) throw new OrdererUnavailableError(`no node of the ordering service answers at ${urls.join(", ")}`);
    const signers = OPERATOR_ACCOUNTS.map((i) => devnetWallet(i, provider!));
    const rpc = provider;
    const m = monitor;
    return {
      operators: operatorsOf(signers),
      rpc,
      submitter,
      advanceTime: async (timestamp) => {
        await advanceClockPast(urls, timestamp, async () => {
          const b = await rpc.getBlock("latest");
          return { number: b?.number ?? 0, timestamp: b?.timestamp ?? 0 };
        });
      },
      fund: async (addresses, wei) => {
        // Ordered transfers from the admin (funded in the replicas' genesis), not counted as the market's transactions.
        const sent = await Promise.all(addresses.map((to) => ordered.submit(signers[0]!, { to, data: "0x", value: wei })));
        await Promise.all(sent.map((p) => p.wait()));
      },
      label: cluster === null ? `ordering service ${urls.join(",")}` : `${urls.length}-node ordering service${o.evm === "anvil" ? ", anvil replicas" : ""}`,
      chainUrl,
      ordererUrls: urls,
      ...(cluster === null ? {} : { expectedRegistry: admission.registry }),
      summary: async () => {
        await m.stop();
        const replicas = await settledReplicas(urls);
        return raftSummary(ordered.api, submitter.receipts, { nodes: cluster?.ids.length ?? m.nodes, pool: cluster?.pool ?? m.pool, leaderChanges: m.leaderChanges, replicas });
      },
      stop: async () => {
        await m.stop().catch(() => undefined);
        rpc.destroy();
        await cluster?.stop();
      },
    };
  } catch (err) {
    await monitor?.stop().catch(() => undefined);
    provider?.destroy();
    await cluster?.stop();
    throw err;
  }
}
