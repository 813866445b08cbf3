export * from "./types";
export { parseMarket, parseRound } from "./parse";
export { loadMarket, readMarketFiles, writeMarketFiles } from "./load";
export { generateSyntheticMarket, regionName, type SyntheticMarket, type SyntheticMarketOptions } from "./synthetic";
