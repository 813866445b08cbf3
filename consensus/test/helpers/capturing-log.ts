import pino, { type Logger } from "pino";

/** A logger whose lines are kept, parsed: what an operator reads is part of the behaviour. */
export function capturingLog(level: pino.Level = "info"): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level, base: null, timestamp: false }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}
