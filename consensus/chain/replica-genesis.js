// The one genesis of every orderer node's EVM replica, whichever EVM runs it (Hardhat's node through
// hardhat.replica.config.js, Anvil through the genesis file anvilGenesis() describes). Replicas must agree block by block,
// so everything that enters the state is fixed here rather than taken from the host or the EVM's defaults:
// - the accounts (the default mnemonic's first 20) and their balances: the operators fund participants' gas with
//   ordered transfers from them, so each holds 10^12 ether (a market of thousands of participants at 10^6 ether each);
// - chain id, hardfork, gas limit (the project's own network's: large synthetic books need room), genesis time;
// - a zero base fee and the zero address as coinbase: Anvil keeps the genesis base fee for block 1 where Hardhat already
//   lowers it, and each EVM has its own default coinbase; either would make balances, hence state roots, differ;
// - EIP-4788's beacon-roots contract, which Hardhat puts in its Cancun genesis and Anvil does not (nor Anvil's
//   CREATE2 deployer, which it adds by default and Hardhat does not: started with --disable-default-create2-deployer).
// Measured (consensus/test/chain/replica-evms.test.ts): from this genesis both EVMs give equal state, transactions
// and receipts roots at every height.
// Plain JavaScript: Hardhat loads its config without ts-node, so a replica starts faster.
"use strict";

const CHAIN_ID = 31337;
const HARDFORK = "cancun";
const GAS_LIMIT = 60_000_000;
const GENESIS_DATE = "2026-01-01T00:00:00Z";
const ACCOUNTS = 20;
const MNEMONIC = "test test test test test test test test test test test junk";
/** 10^12 ether in wei. */
const ACCOUNT_BALANCE = 10n ** 30n;
const BASE_FEE = 0;
const COINBASE = "0x0000000000000000000000000000000000000000";
/** EIP-4788's system contract (its address and runtime code as the EIP gives them). */
const BEACON_ROOTS = {
  address: "0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02",
  code:
    "0x3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff810690815414603c575f5ffd" +
    "5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500",
};

const genesisTimestamp = () => Math.floor(Date.parse(GENESIS_DATE) / 1000);

/** Anvil's `--init` file (geth's genesis format) for `addresses`, the mnemonic's first ACCOUNTS accounts in order. */
function anvilGenesis(addresses) {
  if (addresses.length !== ACCOUNTS) throw new Error(`the replica genesis funds ${ACCOUNTS} accounts, got ${addresses.length}`);
  const alloc = {};
  for (const a of addresses) alloc[a] = { balance: "0x" + ACCOUNT_BALANCE.toString(16) };
  alloc[BEACON_ROOTS.address] = { balance: "0x0", nonce: "0x0", code: BEACON_ROOTS.code };
  const forks = ["homestead", "eip150", "eip155", "eip158", "byzantium", "constantinople", "petersburg", "istanbul", "berlin", "london"];
  return {
    config: {
      chainId: CHAIN_ID,
      ...Object.fromEntries(forks.map((f) => [`${f}Block`, 0])),
      mergeNetsplitBlock: 0,
      terminalTotalDifficulty: 0,
      terminalTotalDifficultyPassed: true,
      shanghaiTime: 0,
      cancunTime: 0,
    },
    nonce: "0x0",
    timestamp: "0x" + genesisTimestamp().toString(16),
    gasLimit: "0x" + GAS_LIMIT.toString(16),
    difficulty: "0x0",
    coinbase: COINBASE,
    baseFeePerGas: "0x" + BASE_FEE.toString(16),
    alloc,
  };
}

/**
 * Anvil's flags beside `--init`: accounts to sign with, no mining but the applier's, FIFO mempool, no extra contract.
 * The gas limit and chain id again: Anvil 1.7 takes the genesis file's alloc and time but keeps its own 30M gas limit.
 */
const ANVIL_FLAGS = [
  ...["--chain-id", String(CHAIN_ID), "--hardfork", HARDFORK, "--gas-limit", String(GAS_LIMIT), "--accounts", String(ACCOUNTS)],
  ...["--no-mining", "--order", "fifo", "--disable-default-create2-deployer"],
];

module.exports = {
  CHAIN_ID,
  HARDFORK,
  GAS_LIMIT,
  GENESIS_DATE,
  ACCOUNTS,
  MNEMONIC,
  ACCOUNT_BALANCE,
  BASE_FEE,
  COINBASE,
  BEACON_ROOTS,
  ANVIL_FLAGS,
  genesisTimestamp,
  anvilGenesis,
};
