/** What the benchmark scripts share for measuring and printing. */

/** The `p`-th percentile (0–100) of ascending `sorted` values, nearest rank. */
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

export const fmt = (n: number, digits = 2): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** `global.gc` under `--expose-gc`, a no-op without it. */
export const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
