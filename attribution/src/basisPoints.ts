import type { Attribution } from "@payable-ai/sdk";
import { AttributionError } from "./errors.js";

export const TOTAL_BPS = 10_000;
/** Slack for float sums that are 1 mathematically (e.g. 0.1 + 0.2 + 0.7). */
const ROUNDING_SLACK = 1e-9;
/** Quotas are counted in millionths of a point, as integers, so equal remainders really tie. */
const MICRO = 1_000_000;

const byIdAscending = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Converts fractions of the data share into basis points (attribution v1 rule).
 * 1. Drop non-positive fractions; keep the `maxAttributions` largest (ties: lower
 *    id first). What the dropped ones held stays unattributed.
 * 2. Quotas in millionths of a point, `μ = round(f · 10^10)` (integers; float
 *    noise below 1e-6 point cannot break a tie); every entry gets `floor(μ / 10^6)`.
 * 3. Target `T = min(10000, floor((Σμ + entries) / 10^6))`; the `T − Σ floor` remaining points
 *    go one each to the largest remainders `μ mod 10^6`, ties by id ascending.
 * 4. Zero entries are dropped; the result is sorted by contribution id ascending.
 * Sums are taken in id order, so equal inputs give equal outputs bit for bit.
 */
export function toBasisPoints(
  fractions: ReadonlyMap<bigint, number>,
  maxAttributions: number,
): Attribution[] {
  if (!Number.isInteger(maxAttributions) || maxAttributions < 0) {
    throw new AttributionError(`maxAttributions must be a non-negative integer, got ${maxAttributions}`);
  }
  const entries: { id: bigint; f: number }[] = [];
  let sum = 0;
  for (const id of [...fractions.keys()].sort(byIdAscending)) {
    const f = fractions.get(id) as number;
    if (!Number.isFinite(f) || f < 0) throw new AttributionError(`weight of contribution ${id} is ${f}`);
    sum += f;
    if (f > 0) entries.push({ id, f });
  }
  if (sum > 1 + ROUNDING_SLACK) throw new AttributionError(`weights sum to ${sum}, more than 1`);

  const kept = [...entries]
    .sort((a, b) => b.f - a.f || byIdAscending(a.id, b.id))
    .slice(0, maxAttributions)
    .sort((a, b) => byIdAscending(a.id, b.id));
  let quotaSum = 0;
  let floorSum = 0;
  const rows = kept.map(({ id, f }) => {
    const quota = Math.round(f * TOTAL_BPS * MICRO);
    const bps = Math.floor(quota / MICRO);
    quotaSum += quota;
    floorSum += bps;
    return { id, bps, remainder: quota - bps * MICRO };
  });
  // Each μ may be half a unit low; adding one unit per entry keeps Σ = 1 exactly at 10 000.
  const target = Math.min(TOTAL_BPS, Math.floor((quotaSum + rows.length) / MICRO));
  const order = [...rows].sort((a, b) => b.remainder - a.remainder || byIdAscending(a.id, b.id));
  for (let i = 0; i < target - floorSum && i < order.length; i++) (order[i] as (typeof order)[number]).bps++;
  return rows.filter((r) => r.bps > 0).map((r) => ({ contributionId: r.id, weightBps: r.bps }));
}

/** Canonical text of an attribution list: the byte-identity that keepers compare before co-signing. */
export function serializeAttributions(attributions: readonly Attribution[]): string {
  return JSON.stringify(attributions.map((a) => [a.contributionId.toString(), a.weightBps]));
}
