import type { NodeState } from "./nodes.js";

/** What a request's `model` names, and which nodes can serve it under which name. */
export interface Target {
  kind: "base" | "adapter" | "merge" | "unlisted";
  /** Placement key: the adapter's sha256 (the same adapter under other names lands together). */
  key: string;
  /** Nodes that serve it (up or not), with the name the request must carry there. */
  servers: { node: NodeState; name: string }[];
}

const HEX_HASH = /^(0x)?[0-9a-fA-F]{64}$/;

/**
 * The sha256 a public adapter id stands for: the one most payable nodes report for it (a node
 * that reports another file under the same id is left out), or the id itself when it is a hash.
 */
export function hashOfId(id: string, nodes: readonly NodeState[]): string | undefined {
  const votes = new Map<string, number>();
  for (const node of nodes) {
    const sha = node.config.kind === "payable" ? node.adapters.get(id)?.sha256 : undefined;
    if (sha) votes.set(sha, (votes.get(sha) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [sha, count] of votes) if (best === undefined || count > (votes.get(best) ?? 0)) best = sha;
  if (best) return best;
  return HEX_HASH.test(id) ? id.replace(/^0x/, "").toLowerCase() : undefined;
}

/** The nodes that serve the adapter file `sha256`, each under its own name for it. */
function serversOf(sha256: string, nodes: readonly NodeState[], preferredName: string) {
  const servers: Target["servers"] = [];
  for (const node of nodes) {
    // A payable node serving the file under the requested id is asked by that id.
    const own = node.adapters.get(preferredName);
    const name = own?.sha256 === sha256 ? preferredName : node.nameOf(sha256);
    if (name !== undefined) servers.push({ node, name });
  }
  return servers;
}

/** Resolves a request's `model` (and `merged_adapters` ids) against what the nodes reported. */
export function resolveTarget(
  model: string,
  mergedIds: string[] | undefined,
  nodes: readonly NodeState[],
): Target {
  const payable = nodes.filter((n) => n.config.kind === "payable");
  if (mergedIds !== undefined) {
    // A merge is computed inside one payable node, which must know every part.
    const parts = mergedIds.map((id) => hashOfId(id, payable) ?? id);
    const servers = payable
      .filter((n) => mergedIds.every((id, i) => n.adapters.get(id)?.sha256 === parts[i]))
      .map((node) => ({ node, name: model }));
    const key = `merge:${[...parts].sort().join("+")}`;
    return servers.length > 0
      ? { kind: "merge", key, servers }
      : { kind: "unlisted", key, servers: payable.map((node) => ({ node, name: model })) };
  }
  const baseNames = new Set([
    "base",
    ...payable.map((n) => n.base?.root).filter((r) => typeof r === "string"),
  ]);
  if (baseNames.has(model))
    return { kind: "base", key: "base", servers: payable.map((node) => ({ node, name: model })) };
  const sha256 = hashOfId(model, nodes);
  if (sha256 !== undefined) {
    const servers = serversOf(sha256, nodes, model);
    if (servers.length > 0) return { kind: "adapter", key: sha256, servers };
  }
  // No node lists it: a payable node may still resolve it (an on-chain model newer than its list);
  // it answers model_not_found itself otherwise, so the client gets the node's own error.
  return { kind: "unlisted", key: model, servers: payable.map((node) => ({ node, name: model })) };
}

/** The router's `/v1/models`: the nodes' lists merged, one entry per adapter id. */
export function mergedListing(nodes: readonly NodeState[], created: number) {
  const up = nodes.filter((n) => n.status === "up");
  const base = up.find((n) => n.base)?.base;
  const entries = new Map<string, Record<string, unknown>>();
  const named = new Set<string>();
  for (const node of up) {
    if (node.config.kind !== "payable") continue;
    for (const adapter of node.adapters.values()) {
      if (hashOfId(adapter.name, up) !== adapter.sha256) continue;
      named.add(adapter.sha256);
      const seen = entries.get(adapter.name);
      if (seen) {
        if (adapter.resident) seen.resident = true;
        continue;
      }
      entries.set(adapter.name, {
        id: adapter.name,
        object: "model",
        created: adapter.created ?? created,
        owned_by: "payable-ai",
        root: adapter.root ?? base?.root ?? null,
        parent: "base",
        sha256: adapter.sha256,
        resident: adapter.resident,
      });
    }
  }
  // Adapters only openai backends serve are listed by hash, the name keepers match on.
  for (const node of up) {
    if (node.config.kind !== "openai") continue;
    for (const [sha256, name] of node.config.adapters) {
      const resident = node.adapters.get(name)?.resident === true;
      if (named.has(sha256)) {
        for (const entry of entries.values()) if (entry.sha256 === sha256 && resident) entry.resident = true;
        continue;
      }
      const seen = entries.get(sha256);
      if (seen) {
        if (resident) seen.resident = true;
        continue;
      }
      entries.set(sha256, {
        id: sha256,
        object: "model",
        created,
        owned_by: "payable-ai",
        root: base?.root ?? null,
        parent: "base",
        sha256,
        resident,
      });
    }
  }
  return { object: "list", data: [...(base ? [{ ...base, resident: true }] : []), ...entries.values()] };
}
