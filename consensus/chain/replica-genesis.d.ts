/** Types of replica-genesis.js: the one genesis of every orderer node's EVM replica. */
export const CHAIN_ID: number;
export const HARDFORK: string;
export const GAS_LIMIT: number;
export const GENESIS_DATE: string;
export const ACCOUNTS: number;
export const MNEMONIC: string;
export const ACCOUNT_BALANCE: bigint;
export const BASE_FEE: number;
export const COINBASE: string;
export const BEACON_ROOTS: { readonly address: string; readonly code: string };
export const ANVIL_FLAGS: readonly string[];
export function genesisTimestamp(): number;
/** Anvil's `--init` file (geth's genesis format) for the mnemonic's first ACCOUNTS addresses, in order. */
export function anvilGenesis(addresses: readonly string[]): Record<string, unknown>;
