// The Hardhat network every orderer node's EVM replica runs (`startHardhatNode({ replica: true })`, LocalCluster).
// Replicas must be identical block by block, so everything that shapes a block is fixed here rather than taken from
// the host: the genesis date, the accounts and their balances, the chain id, the gas limit. Blocks are mined only by
// the node's own applier (`evm_mine` with the ordered block's timestamp), in FIFO order; several chain blocks may
// share a second (ordered blocks committed within one second, or one ordered block overflowing the gas limit).
// Plain JavaScript: Hardhat loads it without ts-node, so a replica starts faster.
/** @type {import("hardhat/config").HardhatUserConfig} */
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      // The same as the project's own network (large synthetic books need room).
      blockGasLimit: 60_000_000,
      hardfork: "cancun",
      initialDate: "2026-01-01T00:00:00Z",
      allowBlocksWithSameTimestamp: true,
      mining: { auto: false, interval: 0, mempool: { order: "fifo" } },
      // The default mnemonic's accounts; the operators fund participants' gas with ordered transfers from them,
      // so each holds 10^12 ether (a market of thousands of participants at 10^6 ether each).
      accounts: { accountsBalance: "1000000000000000000000000000000" },
    },
  },
};
