// The Hardhat network of an orderer node's EVM replica (`startHardhatNode({ replica: true })`, LocalCluster); its
// genesis is replica-genesis.js, shared with Anvil replicas. Blocks are mined only by the node's own applier
// (`evm_mine` with the ordered block's timestamp), in FIFO order; several chain blocks may share a second (ordered
// blocks committed within one second, or one ordered block overflowing the gas limit).
// Plain JavaScript: Hardhat loads it without ts-node, so a replica starts faster.
const genesis = require("./replica-genesis");

/** @type {import("hardhat/config").HardhatUserConfig} */
module.exports = {
  networks: {
    hardhat: {
      chainId: genesis.CHAIN_ID,
      blockGasLimit: genesis.GAS_LIMIT,
      hardfork: genesis.HARDFORK,
      initialDate: genesis.GENESIS_DATE,
      initialBaseFeePerGas: genesis.BASE_FEE,
      coinbase: genesis.COINBASE,
      allowBlocksWithSameTimestamp: true,
      mining: { auto: false, interval: 0, mempool: { order: "fifo" } },
      accounts: { mnemonic: genesis.MNEMONIC, count: genesis.ACCOUNTS, accountsBalance: genesis.ACCOUNT_BALANCE.toString() },
    },
  },
};
