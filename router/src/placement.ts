import { createHash } from "node:crypto";

/** A node that can serve a request, as the router sees it at the moment of the decision. */
export interface Candidate {
  name: string;
  /** Requests the router has in flight on it. */
  load: number;
  /** Whether the request's adapter is loaded there (reported by the node or just routed there). */
  resident: boolean;
}

export type RouteReason =
  /** The adapter is resident on this node, which is under the load bound. */
  | "resident"
  /** The adapter's first node in rendezvous order (where a cold adapter belongs). */
  | "placement"
  /** A later node in rendezvous order: the ones before it were over the load bound. */
  | "spill";

export interface RouteDecision {
  /** Nodes to try, in order: the chosen one, then the others in rendezvous order (failover). */
  order: string[];
  reason: RouteReason;
}

/** Rendezvous (highest random weight) score of a node for a key: 64 bits of sha256(node, key). */
export function rendezvousScore(node: string, key: string): bigint {
  return createHash("sha256").update(node).update("\0").update(key).digest().readBigUInt64BE(0);
}

/** Node names by decreasing rendezvous score for `key`; removing a node moves only its own keys. */
export function rendezvousOrder(key: string, nodes: readonly string[]): string[] {
  return nodes
    .map((name) => ({ name, score: rendezvousScore(name, key) }))
    .sort((a, b) => (a.score === b.score ? (a.name < b.name ? -1 : 1) : a.score > b.score ? -1 : 1))
    .map((n) => n.name);
}

/**
 * The most requests a node may hold before a new one goes elsewhere: `factor` times the mean
 * load once this request is counted (consistent hashing with bounded loads, Mirrokni, Thorup and
 * Zadimoghaddam 2018), so no node carries more than `factor` times its share.
 */
export function loadBound(totalLoad: number, nodes: number, factor: number): number {
  return Math.ceil((factor * (totalLoad + 1)) / nodes);
}

/**
 * Where a request for `key` goes. A resident node under the bound wins (least loaded first); a
 * cold adapter goes to its first node in rendezvous order that is under the bound, so every node
 * loads only the adapters placed on it, plus what overload spills. The remaining nodes follow in
 * rendezvous order, so a failed attempt moves on to where the adapter would be placed next.
 */
export function chooseNode(key: string, candidates: readonly Candidate[], factor: number): RouteDecision {
  if (candidates.length === 0) throw new Error("chooseNode needs at least one candidate");
  if (!(factor >= 1)) throw new Error(`the load factor must be at least 1, not ${factor}`);
  const byName = new Map(candidates.map((c) => [c.name, c]));
  const ranked = rendezvousOrder(key, [...byName.keys()]);
  const total = candidates.reduce((sum, c) => sum + c.load, 0);
  const bound = loadBound(total, candidates.length, factor);
  const at = (name: string) => byName.get(name) as Candidate;
  const under = (name: string) => at(name).load < bound;
  const withFirst = (first: string, reason: RouteReason): RouteDecision => ({
    order: [first, ...ranked.filter((n) => n !== first)],
    reason,
  });

  const resident = ranked.filter((n) => at(n).resident && under(n));
  if (resident.length > 0) {
    const best = resident.reduce((a, b) => (at(b).load < at(a).load ? b : a));
    return withFirst(best, "resident");
  }
  // With factor >= 1 the bound exceeds the mean load, so the least loaded node is always under it.
  const placed = ranked.find(under) as string;
  return withFirst(placed, placed === ranked[0] ? "placement" : "spill");
}
