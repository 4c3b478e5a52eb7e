import type { Address } from "viem";

export type ExecutorSchedule = {
  /** The keeper expected to run the request now. */
  executor: Address;
  /** 0 for the primary executor, then one more every `fallbackAfterSeconds`. */
  round: number;
  /** Chain time at which the next round starts. */
  nextRoundAt: bigint;
};

/** Active keepers in the order every keeper agrees on: ascending address, no duplicates. */
export function sortKeepers(keepers: readonly Address[]): Address[] {
  const unique = new Map<string, Address>();
  for (const keeper of keepers) unique.set(keeper.toLowerCase(), keeper);
  return [...unique.entries()].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1)).map(([, k]) => k);
}

/**
 * Which keeper executes `requestId` at chain time `now`. The primary is
 * `sorted[requestId mod n]`; every `fallbackAfterSeconds` without a report the turn passes to
 * the next keeper in the sorted set, so a dead executor delays a request by one round and
 * never stalls it. Pure: every keeper computes the same answer from the same active set.
 */
export function scheduleExecutor(parameters: {
  requestId: bigint;
  activeKeepers: readonly Address[];
  requestedAt: bigint;
  now: bigint;
  fallbackAfterSeconds: bigint;
}): ExecutorSchedule {
  const sorted = sortKeepers(parameters.activeKeepers);
  if (sorted.length === 0) throw new Error("there is no active keeper to execute the request");
  if (parameters.fallbackAfterSeconds <= 0n) throw new Error("fallbackAfterSeconds must be positive");
  const elapsed = parameters.now > parameters.requestedAt ? parameters.now - parameters.requestedAt : 0n;
  const round = elapsed / parameters.fallbackAfterSeconds;
  const n = BigInt(sorted.length);
  const index = Number((parameters.requestId + round) % n);
  return {
    executor: sorted[index] as Address,
    round: Number(round),
    nextRoundAt: parameters.requestedAt + (round + 1n) * parameters.fallbackAfterSeconds,
  };
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
