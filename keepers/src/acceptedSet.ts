import { BaseError, datanetRegistryAbi } from "@payable-ai/sdk";
import {
  type Address,
  bytesToHex,
  type Chain,
  getAbiItem,
  type Hex,
  hexToBytes,
  type PublicClient,
  sha256,
  type Transport,
} from "viem";
import type { ContributionInfo } from "./chain.js";

/** `IDatanetRegistry.ContributionStatus.Accepted`. */
const ACCEPTED = 2;

const submittedEvent = getAbiItem({ abi: datanetRegistryAbi, name: "ContributionSubmitted" });
const acceptedEvent = getAbiItem({ abi: datanetRegistryAbi, name: "ContributionAccepted" });

/**
 * The accepted contributions of some datanets as of one block. Two snapshots with the same `key`
 * hold the same contributions: the key names the datanets and the last acceptance among them at
 * or before the block (its block number and hash), and an accepted contribution stays accepted.
 */
export type AcceptedSnapshot = {
  key: string;
  /** The block of the last acceptance counted, 0 when there is none. */
  lastChangeBlock: bigint;
  count: number;
  /** Ascending by id, as the registry numbers them; built on first call, then shared. */
  contributions(): readonly ContributionInfo[];
};

export class AcceptedSetError extends BaseError {
  override name = "AcceptedSetError";
}

type Client = Pick<PublicClient<Transport, Chain | undefined>, "getBlock" | "getLogs" | "readContract">;

type Snapshot = { value: AcceptedSnapshot; lastAccepted: number | undefined };

/** Per datanet, its acceptances in chain order. */
type Acceptances = { ids: number[]; blocks: number[]; hashes: Hex[] };

/**
 * The accepted set of every datanet, kept from the DatanetRegistry's events instead of reading
 * every contribution per request. Only two events change it: `ContributionSubmitted` (what a
 * contribution is: datanet, content hash, uri) and `ContributionAccepted` (its entry into the set).
 * Rejection and withdrawal only end a pending contribution and the payee is not part of a
 * request's context, so their events are not read.
 *
 * Each snapshot is checked against the chain at its block: the synced head must still be
 * canonical, `contributionCount` at the block must equal the submissions the set holds up to it,
 * and the last acceptance counted must read `Accepted` there. A failed check replays the events
 * from the start once before giving up.
 */
export class AcceptedContributionSet {
  readonly #client: Client;
  readonly #registry: Address;
  readonly #fromBlock: bigint;
  readonly #maxLogRange: bigint;
  /** Columns by `contributionId - 1`. */
  #datanetOf: number[] = [];
  #submittedAt: number[] = [];
  /** Ids 1..n all submitted (logs come in order; a gap means some were missed). */
  #submittedCount = 0;
  #uriOf: string[] = [];
  #hashes = new Uint8Array(32 * 1024);
  #acceptances = new Map<number, Acceptances>();
  #head: { number: bigint; hash: Hex } | undefined;
  #syncing: Promise<void> | undefined;
  #lists = new Map<string, readonly ContributionInfo[]>();

  constructor(client: Client, registry: Address, options: { fromBlock?: bigint; maxLogRange?: bigint } = {}) {
    this.#client = client;
    this.#registry = registry;
    this.#fromBlock = options.fromBlock ?? 0n;
    this.#maxLogRange = options.maxLogRange ?? 50_000n;
  }

  /** The block the set is synced to, if any. */
  get head(): bigint | undefined {
    return this.#head?.number;
  }

  /** The accepted contributions of `datanetIds` at `blockNumber`, verified against the chain there. */
  async at(datanetIds: readonly bigint[], blockNumber: bigint): Promise<AcceptedSnapshot> {
    for (let attempt = 0; ; attempt++) {
      if (this.#head === undefined || this.#head.number < blockNumber) await this.sync();
      const head = this.#head as { number: bigint; hash: Hex };
      if (head.number < blockNumber) {
        throw new AcceptedSetError(`block ${blockNumber} is past the chain's head ${head.number}`);
      }
      const snapshot = this.#snapshot(datanetIds, blockNumber);
      const problem = await this.#check(snapshot, blockNumber, head);
      if (problem === undefined) return snapshot.value;
      if (attempt > 0) throw new AcceptedSetError(`accepted set at block ${blockNumber}: ${problem}`);
      this.#reset();
    }
  }

  /** Reads the registry's events up to the latest block (one sync at a time). */
  async sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    if (this.#head !== undefined && (await this.#hashAt(this.#head.number)) !== this.#head.hash)
      this.#reset();
    const latest = await this.#client.getBlock({ blockTag: "latest" });
    const to = latest.number as bigint;
    for (let from = this.#head ? this.#head.number + 1n : this.#fromBlock; from <= to; ) {
      const end = from + this.#maxLogRange - 1n < to ? from + this.#maxLogRange - 1n : to;
      const logs = await this.#client.getLogs({
        address: this.#registry,
        events: [submittedEvent, acceptedEvent],
        fromBlock: from,
        toBlock: end,
        strict: true,
      });
      for (const log of logs) {
        const block = Number(log.blockNumber);
        if (log.eventName === "ContributionSubmitted") {
          this.#submit(Number(log.args.contributionId), Number(log.args.datanetId), log.args, block);
        } else {
          this.#accept(Number(log.args.contributionId), Number(log.args.datanetId), block, log.blockHash);
        }
      }
      from = end + 1n;
    }
    // A reorganisation while reading would leave logs of two forks: the head must not have moved.
    if ((await this.#hashAt(to)) !== latest.hash) {
      this.#reset();
      throw new AcceptedSetError(`block ${to} changed while the accepted set was read; try again`);
    }
    this.#head = { number: to, hash: latest.hash as Hex };
  }

  #submit(id: number, datanetId: number, args: { contentHash: Hex; uri: string }, block: number) {
    const at = id - 1;
    this.#datanetOf[at] = datanetId;
    this.#submittedAt[at] = block;
    this.#uriOf[at] = args.uri;
    if (this.#hashes.length < 32 * id) {
      const grown = new Uint8Array(Math.max(32 * id, this.#hashes.length * 2));
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes.set(hexToBytes(args.contentHash), 32 * at);
    while (this.#submittedAt[this.#submittedCount] !== undefined) this.#submittedCount++;
  }

  #accept(id: number, datanetId: number, block: number, blockHash: Hex) {
    let list = this.#acceptances.get(datanetId);
    if (list === undefined) {
      list = { ids: [], blocks: [], hashes: [] };
      this.#acceptances.set(datanetId, list);
    }
    list.ids.push(id);
    list.blocks.push(block);
    list.hashes.push(blockHash);
  }

  #reset() {
    this.#datanetOf = [];
    this.#submittedAt = [];
    this.#submittedCount = 0;
    this.#uriOf = [];
    this.#hashes = new Uint8Array(32 * 1024);
    this.#acceptances.clear();
    this.#lists.clear();
    this.#head = undefined;
  }

  #snapshot(datanetIds: readonly bigint[], blockNumber: bigint): Snapshot {
    const block = Number(blockNumber);
    const datanets = [...new Set(datanetIds)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const prefixes: { list: Acceptances; count: number }[] = [];
    let last: { block: number; hash: Hex; id: number } | undefined;
    let count = 0;
    for (const datanet of datanets) {
      const list = this.#acceptances.get(Number(datanet));
      if (list === undefined) continue;
      const n = upperBound(list.blocks, block);
      if (n === 0) continue;
      prefixes.push({ list, count: n });
      count += n;
      const at = list.blocks[n - 1] as number;
      if (last === undefined || at > last.block) {
        last = { block: at, hash: list.hashes[n - 1] as Hex, id: list.ids[n - 1] as number };
      }
    }
    const key = `${datanets.join(",")}@${last ? `${last.block}:${last.hash}` : "none"}`;
    const value: AcceptedSnapshot = {
      key,
      lastChangeBlock: BigInt(last?.block ?? 0),
      count,
      contributions: () => {
        let list = this.#lists.get(key);
        if (list === undefined) {
          list = this.#list(prefixes);
          // Requests come in block order: keep the latest few lists.
          if (this.#lists.size >= 4) this.#lists.delete(this.#lists.keys().next().value as string);
          this.#lists.set(key, list);
        }
        return list;
      },
    };
    return { value, lastAccepted: last?.id };
  }

  #list(prefixes: readonly { list: Acceptances; count: number }[]): readonly ContributionInfo[] {
    const ids: number[] = [];
    for (const { list, count } of prefixes) for (let i = 0; i < count; i++) ids.push(list.ids[i] as number);
    ids.sort((a, b) => a - b);
    return Object.freeze(
      ids.map((id) => {
        const at = id - 1;
        const uri = this.#uriOf[at];
        if (uri === undefined)
          throw new AcceptedSetError(`contribution ${id} was accepted but never submitted`);
        return {
          contributionId: BigInt(id),
          datanetId: BigInt(this.#datanetOf[at] as number),
          contentHash: bytesToHex(this.#hashes.subarray(32 * at, 32 * id)),
          uri,
        };
      }),
    );
  }

  /** Why the snapshot does not match the chain at `blockNumber`, or undefined when it does. */
  async #check(
    snapshot: Snapshot,
    blockNumber: bigint,
    head: { number: bigint; hash: Hex },
  ): Promise<string | undefined> {
    const [headHash, count, status] = await Promise.all([
      this.#hashAt(head.number),
      this.#client.readContract({
        address: this.#registry,
        abi: datanetRegistryAbi,
        functionName: "contributionCount",
        blockNumber,
      }),
      snapshot.lastAccepted === undefined
        ? undefined
        : this.#client.readContract({
            address: this.#registry,
            abi: datanetRegistryAbi,
            functionName: "contributionPayout",
            args: [BigInt(snapshot.lastAccepted)],
            blockNumber,
          }),
    ]);
    if (headHash !== head.hash) return `block ${head.number} is no longer canonical`;
    const submitted = this.#submittedUpTo(Number(blockNumber));
    if (BigInt(submitted) !== count)
      return `${submitted} contributions submitted per events, ${count} on-chain`;
    if (status !== undefined && status[2] !== ACCEPTED) {
      return `contribution ${snapshot.lastAccepted} is not accepted on-chain`;
    }
    return undefined;
  }

  /** Contributions submitted at or before `block` without a gap (ids are sequential, in block order). */
  #submittedUpTo(block: number): number {
    let a = 0;
    let b = this.#submittedCount;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if ((this.#submittedAt[mid] as number) <= block) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  async #hashAt(blockNumber: bigint): Promise<Hex | undefined> {
    try {
      return ((await this.#client.getBlock({ blockNumber })).hash as Hex | null) ?? undefined;
    } catch {
      return undefined;
    }
  }
}

/** How many of the ascending `values` are `<= x`. */
function upperBound(values: readonly number[], x: number): number {
  let a = 0;
  let b = values.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if ((values[mid] as number) <= x) a = mid + 1;
    else b = mid;
  }
  return a;
}

/**
 * A snapshot of a list read some other way (an in-memory chain): keyed by its ids and content
 * hashes, which fix the texts since contributions are content-addressed.
 */
export function listSnapshot(contributions: readonly ContributionInfo[]): AcceptedSnapshot {
  const key = sha256(
    new TextEncoder().encode(contributions.map((c) => `${c.contributionId}:${c.contentHash}`).join(",")),
  );
  return { key, lastChangeBlock: 0n, count: contributions.length, contributions: () => contributions };
}

/**
 * The accepted set read the slow way, one `getContribution` per contribution ever made: the
 * reference the event-kept set is tested and benchmarked against.
 */
export async function scanAcceptedContributions(
  client: Pick<Client, "readContract">,
  registry: Address,
  datanetIds: readonly bigint[],
  blockNumber: bigint,
): Promise<ContributionInfo[]> {
  const wanted = new Set(datanetIds);
  const count = await client.readContract({
    address: registry,
    abi: datanetRegistryAbi,
    functionName: "contributionCount",
    blockNumber,
  });
  const result: ContributionInfo[] = [];
  for (let id = 1n; id <= count; id++) {
    const c = await client.readContract({
      address: registry,
      abi: datanetRegistryAbi,
      functionName: "getContribution",
      args: [id],
      blockNumber,
    });
    if (c.status === ACCEPTED && wanted.has(c.datanetId)) {
      result.push({ contributionId: id, datanetId: c.datanetId, contentHash: c.contentHash, uri: c.uri });
    }
  }
  return result;
}
