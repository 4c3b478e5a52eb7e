import type { Address } from "viem";

// Who executes a request is the market's decision (`InferenceMarket.scheduledExecutor`); keepers read it.

/** Active keepers in the order every keeper agrees on: ascending address, no duplicates. */
export function sortKeepers(keepers: readonly Address[]): Address[] {
  const unique = new Map<string, Address>();
  for (const keeper of keepers) unique.set(keeper.toLowerCase(), keeper);
  return [...unique.entries()].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1)).map(([, k]) => k);
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
