import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { ChainApplier, applierCheckpointFile, type AppliedTx, type OrderedBlock } from "../../src/chain/applier";
import type { DevNode } from "../../src/chain/devnode";
import { JsonRpcClient } from "../../src/chain/rpc";
import { REPLICA_EVMS, evmOfClientVersion, startReplicaEvm, type ReplicaEvm } from "../../src/node/replica-evm";
import { genesisTimestamp } from "../../chain/replica-genesis";
import { chainOf } from "../helpers/chain-headers";
import { MarketWorkload, devWallet, type SignedTx } from "../helpers/market-workload";

type Header = Record<string, unknown> & { number: string; hash: string; stateRoot: string };
interface Proof {
  balance: string;
  nonce: string;
  codeHash: string;
  storageHash: string;
  storageProof: { value: string; proof: string[] }[];
}

/** The header fields on which a Hardhat and an Anvil replica of the same ordered blocks differ (see consensus/README.md). */
const DIFFER_AT_GENESIS = ["extraData", "hash", "mixHash", "size", "stateRoot", "transactionsRoot"];
const DIFFER_AFTER_GENESIS = ["hash", "mixHash", "parentBeaconBlockRoot", "parentHash", "size"];
/** DPLCToken's `_pendingAt` (storage slot 8), which `deposit` reads while it is zero. */
const PENDING_AT_SLOT = "0x" + "8".padStart(64, "0");

function differingFields(a: Header, b: Header): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

/**
 * Replicas on two independent EVMs (Hardhat's EDR, Anvil's revm) from the one replica genesis
 * (consensus/chain/replica-genesis.js), fed the same ordered blocks of the market's contracts through the applier.
 */
describe("chain/replica EVMs: Hardhat and Anvil replicas of the same ordered blocks", function () {
  this.timeout(180_000);
  const nodes = new Map<ReplicaEvm, DevNode>();
  const appliers = new Map<ReplicaEvm, ChainApplier>();
  const applied = new Map<ReplicaEvm, AppliedTx[]>();
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-replica-evms-"));
    const started = await Promise.all(REPLICA_EVMS.map((evm) => startReplicaEvm({ evm })));
    for (const [i, evm] of REPLICA_EVMS.entries()) {
      nodes.set(evm, started[i]!);
      const checkpoint = applierCheckpointFile(path.join(dir, `${evm}.json`));
      appliers.set(evm, new ChainApplier({ rpc: new JsonRpcClient(started[i]!.url), checkpoint, logger: pino({ level: "silent" }) }));
      appliers.get(evm)!.start();
      applied.set(evm, []);
    }
    const work = new MarketWorkload();
    const t0 = genesisTimestamp();
    // Two ordered blocks in one second (allowed), an empty one (a clock advance), and a refusal.
    const rounds: SignedTx[][] = [await work.deploy(), await work.round(1), await work.round(2), [], [await work.unfunded(), ...(await work.round(3))]];
    const times = [t0 + 10, t0 + 11, t0 + 11, t0 + 3_600, t0 + 3_601];
    for (const [i, txs] of rounds.entries()) {
      const block: OrderedBlock = { index: i + 1, number: i + 1, timestamp: times[i], txs };
      for (const evm of REPLICA_EVMS) applied.get(evm)!.push(...((await appliers.get(evm)!.apply(block)) ?? []));
    }
  });

  after(async function () {
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const headers = (evm: ReplicaEvm): Promise<Header[]> => chainOf<Header>(nodes.get(evm)!.url);

  it("knows each chain node's EVM from its client version", async function () {
    for (const evm of REPLICA_EVMS) {
      const version = await new JsonRpcClient(nodes.get(evm)!.url).call<string>("web3_clientVersion");
      expect(evmOfClientVersion(version), version).to.equal(evm);
    }
    expect(evmOfClientVersion("Geth/v1.14.0")).to.equal(null);
  });

  describe("when the same ordered blocks are applied to both", function () {
    it("records every transaction in the same chain block, and refuses the same one", async function () {
      const outcome = (evm: ReplicaEvm) => applied.get(evm)!.map((r) => ({ hash: r.hash, chainBlock: r.chainBlock, refused: r.error !== undefined }));
      expect(outcome("anvil")).to.deep.equal(outcome("hardhat"));
      expect(outcome("hardhat").filter((r) => r.refused)).to.have.length(1);
    });

    it("gives equal receipts (status, gas, logs) for every transaction, reverted ones included", async function () {
      const receipts = async (evm: ReplicaEvm) => {
        const rpc = new JsonRpcClient(nodes.get(evm)!.url);
        const mined = applied.get(evm)!.filter((r) => r.error === undefined);
        const all = await Promise.all(mined.map((r) => rpc.call<Record<string, unknown>>("eth_getTransactionReceipt", [r.hash])));
        // What a log is (a log also names its block by hash, which differs, and Anvil adds `blockTimestamp`).
        const logs = (r: Record<string, unknown>) =>
          (r.logs as Record<string, unknown>[]).map((l) => ({ address: l.address, topics: l.topics, data: l.data, logIndex: l.logIndex, transactionIndex: l.transactionIndex }));
        return all.map((r) => ({ status: r.status, gasUsed: r.gasUsed, cumulativeGasUsed: r.cumulativeGasUsed, logs: logs(r), contractAddress: r.contractAddress, effectiveGasPrice: r.effectiveGasPrice }));
      };
      const [onHardhat, onAnvil] = await Promise.all([receipts("hardhat"), receipts("anvil")]);
      expect(onAnvil).to.deep.equal(onHardhat);
      expect(onHardhat.filter((r) => r.status === "0x0").length, "reverted deposits").to.equal(3);
    });

    it("agrees on every header field but the hash, what only the EVM puts in it and (after a zero slot is read) the state root", async function () {
      const [onHardhat, onAnvil] = await Promise.all([headers("hardhat"), headers("anvil")]);
      expect(onAnvil.length).to.equal(onHardhat.length).and.to.be.greaterThan(5);
      if (process.env.DPLC_PRINT_HEADERS !== undefined) console.log(JSON.stringify({ hardhat: onHardhat.slice(0, 3), anvil: onAnvil.slice(0, 3) }, null, 2));
      onHardhat.forEach((h, n) => {
        // Block 1 deploys and transfers; block 2's deposit reads a zero slot (see the next test), and state roots part.
        const expected = n === 0 ? DIFFER_AT_GENESIS : n === 1 ? DIFFER_AFTER_GENESIS : [...DIFFER_AFTER_GENESIS, "stateRoot"].sort();
        expect(differingFields(h, onAnvil[n]!), `block ${n}`).to.deep.equal(expected);
      });
      // Anvil reports the empty trie's root as its genesis state and transactions roots; Hardhat computes the state root
      // and puts keccak256("") for the transactions.
      expect(onAnvil[0]!.stateRoot).to.equal("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    });

    it("holds the same state (balances, nonces, code, storage values); only Anvil's storage trie keeps a zero leaf", async function () {
      const work = new MarketWorkload();
      const accounts = [...Array.from({ length: 20 }, (_, i) => devWallet(i).address), work.tokenAddress, work.registryAddress];
      const proofs = async (evm: ReplicaEvm) => {
        const rpc = new JsonRpcClient(nodes.get(evm)!.url);
        return Promise.all(accounts.map((a) => rpc.call<Proof>("eth_getProof", [a, [PENDING_AT_SLOT], "latest"])));
      };
      const [onHardhat, onAnvil] = await Promise.all([proofs("hardhat"), proofs("anvil")]);
      const values = (p: Proof[]) => p.map((x) => ({ balance: x.balance, nonce: x.nonce, codeHash: x.codeHash, slot: x.storageProof[0]!.value }));
      expect(values(onAnvil)).to.deep.equal(values(onHardhat));
      const token = accounts.indexOf(work.tokenAddress);
      expect(onAnvil[token]!.storageHash).to.not.equal(onHardhat[token]!.storageHash);
      // The slot reads zero on both, but Anvil proves it with a leaf (a two-item list: the key's remaining 31 bytes, then
      // the value RLP("") = 0x80), which the trie must not contain; Hardhat's proof ends in a branch without it.
      const zeroLeaf = /^0xe3a020[0-9a-f]{62}8180$/;
      expect(onAnvil[token]!.storageProof[0]!.proof.at(-1)).to.match(zeroLeaf);
      expect(onHardhat[token]!.storageProof[0]!.proof.at(-1)).to.not.match(zeroLeaf);
      // Every other account's storage root agrees.
      const others = (p: Proof[]) => p.filter((_, i) => i !== token).map((x) => x.storageHash);
      expect(others(onAnvil)).to.deep.equal(others(onHardhat));
    });
  });
});
