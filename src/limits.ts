/**
 * What the contracts accept beyond the units of src/units.ts, mirrored here so that bad input is refused with a clear
 * line before anything is deployed. test/limits.test.ts pins each value against the contracts themselves.
 */

/** Regions a grid can hold (GridParameters._MAX_REGIONS): a region is added by the first corridor that names it. */
export const MAX_REGIONS = 32;

/**
 * Longest text stored as bytes32 (region and registration codes, names, reasons): 31 bytes, since ethers'
 * encodeBytes32String keeps a NUL terminator so that the text decodes back unambiguously.
 */
export const MAX_CODE_BYTES = 31;
