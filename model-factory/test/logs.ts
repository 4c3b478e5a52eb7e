import { pino } from "pino";

/** One parsed pino line. */
// biome-ignore lint/suspicious/noExplicitAny: log fields are checked one by one
export type LogLine = { level: number; msg: string; [field: string]: any };

/** A pino logger writing JSON lines into memory, and the lines parsed so far. */
export function capturedLogger() {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: "debug" },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}
