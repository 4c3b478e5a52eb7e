import { formatEther, parseEther } from "viem";

/** `1234500000000000000000` → `1,234.5 OPEN`: at most four decimals, never wei. */
export function formatOpen(wei: bigint | string | number | null | undefined, unit = true): string {
  if (wei === null || wei === undefined) return "—";
  const value = typeof wei === "bigint" ? wei : BigInt(wei);
  const [whole, fraction = ""] = formatEther(value < 0n ? -value : value).split(".");
  const grouped = BigInt(whole as string).toLocaleString("en-US");
  let decimals = fraction.slice(0, 4).replace(/0+$/, "");
  if (decimals === "" && fraction !== "" && /[1-9]/.test(fraction) && whole === "0") decimals = "0001";
  const text = `${value < 0n ? "-" : ""}${grouped}${decimals ? `.${decimals}` : ""}`;
  return unit ? `${text} OPEN` : text;
}

/** Parses an amount typed in OPEN; throws a sentence when it is not one. */
export function parseOpen(text: string, what = "amount"): bigint {
  const trimmed = text.trim();
  if (!/^\d+(\.\d{1,18})?$/.test(trimmed))
    throw new Error(`The ${what} must be a number of OPEN, like 2 or 0.5.`);
  return parseEther(trimmed);
}

/** `0x70997970…79C8` → `0x7099…79C8` */
export function shortHex(hex: string, keep = 4): string {
  return hex.length <= 2 + keep * 2 + 1 ? hex : `${hex.slice(0, 2 + keep)}…${hex.slice(-keep)}`;
}

/** A unix time in seconds as a local date and time. */
export function formatTime(seconds: bigint | string | number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  return new Date(Number(seconds) * 1000).toLocaleString("en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

/** Seconds as `2 min 5 s`, `3 h 10 min`, `4 days`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
  const days = Math.round(s / 86_400);
  return `${days} day${days === 1 ? "" : "s"}`;
}

/** Basis points as a percentage: 5000 → `50%`. */
export function formatBps(bps: number): string {
  return `${Number((bps / 100).toFixed(2))}%`;
}
