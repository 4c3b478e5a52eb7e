import { access, mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Address, Hex } from "viem";
import type { ReportJson } from "./protocol.js";

/** Where a request stands from this keeper's point of view. */
export type RequestPhase =
  /** Seen on-chain, waiting for its executor. */
  | "open"
  /** This keeper is the executor and holds a signed report, collecting co-signatures. */
  | "signed"
  /** A submitReport transaction was sent (its hash is kept) and awaits confirmation. */
  | "submitting"
  /** A report was accepted on-chain; waiting for the challenge window to pass. */
  | "reported"
  | "finalized"
  | "refunded"
  /** Still open after its deadline: only the requester's refund can close it. */
  | "expired";

export type SignedReportRecord = {
  digest: Hex;
  report: ReportJson;
  /** Signatures held for this report, by lower-case signer address. */
  signatures: Record<string, Hex>;
};

export type RequestRecord = {
  requestId: string;
  modelId: string;
  requester: Address;
  inputHash: Hex;
  inputURI: string;
  fee: string;
  deadline: string;
  /** Where the InferenceRequested event was seen; re-checked against reorgs. */
  blockNumber: string;
  blockHash: Hex;
  /** Timestamp of that block (chain time at which executor rounds start). */
  requestedAt: string;
  phase: RequestPhase;
  /**
   * The one report this keeper ever signed for the request (as executor or co-signer), with the
   * signatures it holds for it. A keeper never signs a second, different report for a request:
   * that is the equivocation the market slashes.
   */
  signed?: SignedReportRecord;
  submitTx?: Hex;
  acceptedDigest?: Hex;
  challengeEndsAt?: string;
  executor?: Address;
  attempts: number;
  lastError?: string;
  /**
   * Why this keeper, as executor, cannot answer the request as it stands (the model is a
   * composite, the node has no adapter with its hash, the input is empty or too long...). Kept
   * through transient failures, cleared once an answer is built.
   */
  unanswerable?: { reason: string };
  /** Reports for this request signed by other keepers, seen in co-sign requests. */
  seen: SignedReportRecord[];
  /** Digests this keeper already challenged with. */
  challenged: Hex[];
};

export type KeeperStateFile = {
  version: 1;
  chainId: number;
  market: Address;
  keeper: Address;
  /** Next block to scan for events; everything before it is final for this keeper. */
  nextBlock: string;
  requests: Record<string, RequestRecord>;
};

export class StateMismatchError extends Error {
  override name = "StateMismatchError";
}

/**
 * The keeper's durable state: one JSON file, replaced atomically (write to a temporary file,
 * fsync, rename) after every change, so a keeper killed at any instant restarts from the last
 * complete state. Writes are serialized; `save` resolves once the change is on disk.
 */
export class KeeperStateStore {
  #chain: Promise<void> = Promise.resolve();
  #dirty = false;
  /** The state as last written to disk (what survives a crash). */
  #saved: KeeperStateFile | undefined;

  private constructor(
    readonly path: string,
    readonly state: KeeperStateFile,
  ) {}

  /**
   * Opens (or creates) `state.json` in `directory`. A file written for another chain, market or
   * keeper is refused rather than reused.
   */
  static async open(
    directory: string,
    identity: { chainId: number; market: Address; keeper: Address; startBlock: bigint },
  ): Promise<KeeperStateStore> {
    const path = join(directory, "state.json");
    await mkdir(directory, { recursive: true });
    let state: KeeperStateFile;
    try {
      state = JSON.parse(await readFile(path, "utf8")) as KeeperStateFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new StateMismatchError(`cannot read keeper state ${path}: ${(error as Error).message}`);
      }
      state = {
        version: 1,
        chainId: identity.chainId,
        market: identity.market,
        keeper: identity.keeper,
        nextBlock: identity.startBlock.toString(),
        requests: {},
      };
    }
    if (
      state.version !== 1 ||
      state.chainId !== identity.chainId ||
      state.market.toLowerCase() !== identity.market.toLowerCase() ||
      state.keeper.toLowerCase() !== identity.keeper.toLowerCase()
    ) {
      throw new StateMismatchError(
        `${path} belongs to keeper ${state.keeper} of market ${state.market} on chain ${state.chainId}, ` +
          `not keeper ${identity.keeper} of market ${identity.market} on chain ${identity.chainId}`,
      );
    }
    const store = new KeeperStateStore(path, state);
    store.#saved = structuredClone(state);
    await store.save();
    return store;
  }

  get nextBlock(): bigint {
    return BigInt(this.state.nextBlock);
  }

  setNextBlock(block: bigint): void {
    if (block.toString() === this.state.nextBlock) return;
    this.state.nextBlock = block.toString();
    this.#dirty = true;
  }

  get(requestId: bigint): RequestRecord | undefined {
    return this.state.requests[requestId.toString()];
  }

  all(): RequestRecord[] {
    return Object.values(this.state.requests).sort((a, b) =>
      BigInt(a.requestId) < BigInt(b.requestId) ? -1 : 1,
    );
  }

  /**
   * A request as last persisted: what a crash would leave. Served to the outside, so nothing
   * (a signature above all) is shown before it is on disk.
   */
  persisted(requestId: bigint): RequestRecord | undefined {
    return this.#saved?.requests[requestId.toString()];
  }

  /** Adds a request seen for the first time; returns false when it was already known. */
  add(record: Omit<RequestRecord, "attempts" | "seen" | "challenged" | "phase">): boolean {
    if (this.state.requests[record.requestId] !== undefined) return false;
    this.state.requests[record.requestId] = {
      ...record,
      phase: "open",
      attempts: 0,
      seen: [],
      challenged: [],
    };
    this.#dirty = true;
    return true;
  }

  remove(requestId: bigint): void {
    delete this.state.requests[requestId.toString()];
    this.#dirty = true;
  }

  /** Changes a request in memory; call {@link save} to persist. */
  update(requestId: bigint, change: (record: RequestRecord) => void): RequestRecord {
    const record = this.state.requests[requestId.toString()];
    if (record === undefined) throw new Error(`request ${requestId} is not in the keeper state`);
    change(record);
    this.#dirty = true;
    return record;
  }

  /** Writes the state if it changed; concurrent calls are queued, never interleaved. */
  save(): Promise<void> {
    const run = this.#chain.then(async () => {
      if (!this.#dirty && (await exists(this.path))) return;
      this.#dirty = false;
      const text = `${JSON.stringify(this.state, null, 1)}\n`;
      await writeAtomically(this.path, text);
      this.#saved = JSON.parse(text) as KeeperStateFile;
    });
    this.#chain = run.catch(() => {});
    return run;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.state.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  // Persist the rename itself (the directory entry) before reporting success.
  const directory = await open(dirname(path), "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
