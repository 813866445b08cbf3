/** Reading and writing market directories: the only file I/O of src/data. */
import fs from "node:fs";
import path from "node:path";
import { DataFormatError } from "../errors";
import { parseMarket } from "./parse";
import { MARKET_FILE_NAMES, type MarketData, type MarketFiles } from "./types";

/** Reads the five files of a market directory as text. A missing or unreadable file is a DataFormatError. */
export function readMarketFiles(dir: string): MarketFiles {
  if (!isDirectory(dir)) throw new DataFormatError({ file: dir }, "no such market directory");
  const files: Partial<Record<keyof MarketFiles, string>> = {};
  for (const name of MARKET_FILE_NAMES) {
    const file = path.join(dir, name);
    try {
      files[name] = fs.readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === "ENOENT" ? "file is missing" : `cannot read file (${code ?? String(err)})`;
      throw new DataFormatError({ file: name }, `${reason} in ${dir}`, { cause: err });
    }
  }
  return files as MarketFiles;
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Loads and validates the market in `dir` (format: data/README.md). */
export function loadMarket(dir: string): MarketData {
  return parseMarket(readMarketFiles(dir));
}

/** Writes a market's files into `dir`, creating it if needed. */
export function writeMarketFiles(dir: string, files: MarketFiles): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of MARKET_FILE_NAMES) fs.writeFileSync(path.join(dir, name), files[name]);
}
