import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Address, Hex } from "viem";
import { z } from "zod";
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

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, "expected 0x-prefixed hex");
const decimal = z.string().regex(/^\d+$/, "expected a decimal integer string");
const signedReportSchema = z.object({
  digest: hex,
  report: z.looseObject({}),
  signatures: z.record(z.string(), hex),
});
const requestRecordSchema = z.looseObject({
  requestId: decimal,
  modelId: decimal,
  requester: hex,
  inputHash: hex,
  inputURI: z.string(),
  fee: decimal,
  deadline: decimal,
  blockNumber: decimal,
  blockHash: hex,
  requestedAt: decimal,
  phase: z.enum(["open", "signed", "submitting", "reported", "finalized", "refunded", "expired"]),
  signed: signedReportSchema.optional(),
  attempts: z.number().int().nonnegative(),
  seen: z.array(signedReportSchema),
  challenged: z.array(hex),
});
const stateFileSchema = z.object({
  version: z.literal(1),
  chainId: z.number().int().positive(),
  market: hex,
  keeper: hex,
  nextBlock: decimal,
  requests: z.record(decimal, requestRecordSchema),
});

/** Phases after which nothing about a request can change on-chain. */
const SETTLED = new Set<RequestPhase>(["finalized", "refunded"]);

export type KeeperStateOptions = {
  /**
   * Chain seconds a settled request is kept after its challenge window (or deadline) ended,
   * for `/requests/:id` and explanations; then it is pruned. Equivocation checks only need
   * requests whose window is still open, which are never settled.
   */
  retentionSeconds?: bigint;
  /**
   * A change of `nextBlock` alone is written at most this often (a keeper that restarts from
   * an older block rescans it: events it already knows are ignored).
   */
  idleFlushMs?: number;
};

/**
 * The keeper's durable state: one JSON file, replaced atomically (write to a temporary file,
 * fsync, rename) after every change of a request, so a keeper killed at any instant restarts
 * from the last complete state. Writes are serialized; `save` resolves once the change is on
 * disk. Nothing is written while nothing changed, and settled requests are pruned once past
 * their retention.
 */
export class KeeperStateStore {
  #chain: Promise<void> = Promise.resolve();
  #dirty = false;
  /** Only `nextBlock` changed since the last write. */
  #cursorDirty = false;
  #lastWriteAt = 0;
  /** The state as last written to disk (what survives a crash). */
  #saved: KeeperStateFile | undefined;
  readonly retentionSeconds: bigint;
  readonly idleFlushMs: number;
  /** Writes of the file since it was opened (for tests and metrics). */
  writes = 0;

  private constructor(
    readonly path: string,
    readonly state: KeeperStateFile,
    options: KeeperStateOptions,
  ) {
    this.retentionSeconds = options.retentionSeconds ?? 86_400n;
    this.idleFlushMs = options.idleFlushMs ?? 30_000;
  }

  /**
   * Opens (or creates) `state.json` in `directory`. A file written for another chain, market or
   * keeper is refused rather than reused.
   */
  static async open(
    directory: string,
    identity: { chainId: number; market: Address; keeper: Address; startBlock: bigint },
    options: KeeperStateOptions = {},
  ): Promise<KeeperStateStore> {
    const path = join(directory, "state.json");
    await mkdir(directory, { recursive: true });
    await removeStaleTemporaries(directory);
    let state: KeeperStateFile;
    try {
      const json: unknown = JSON.parse(await readFile(path, "utf8"));
      const checked = stateFileSchema.safeParse(json);
      if (!checked.success) {
        const issues = checked.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
          .join("; ");
        throw new Error(
          `not a keeper state file (${issues}); move it away to start over from the deployment block`,
        );
      }
      state = json as KeeperStateFile;
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
    const store = new KeeperStateStore(path, state, options);
    store.#saved = structuredClone(state);
    store.#dirty = true;
    await store.save();
    return store;
  }

  get nextBlock(): bigint {
    return BigInt(this.state.nextBlock);
  }

  setNextBlock(block: bigint): void {
    if (block.toString() === this.state.nextBlock) return;
    this.state.nextBlock = block.toString();
    this.#cursorDirty = true;
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
    const before = JSON.stringify(record);
    change(record);
    if (JSON.stringify(record) !== before) this.#dirty = true;
    return record;
  }

  /**
   * Forgets settled requests whose challenge window (or deadline) ended more than
   * `retentionSeconds` before chain time `now`; returns how many.
   */
  prune(now: bigint): number {
    let pruned = 0;
    for (const [id, record] of Object.entries(this.state.requests)) {
      if (!SETTLED.has(record.phase)) continue;
      const closedAt = BigInt(record.challengeEndsAt ?? record.deadline);
      if (closedAt + this.retentionSeconds >= now) continue;
      delete this.state.requests[id];
      pruned++;
    }
    if (pruned > 0) this.#dirty = true;
    return pruned;
  }

  /**
   * Writes the state if a request changed (or, every `idleFlushMs`, if only `nextBlock` moved);
   * concurrent calls are queued, never interleaved. `force` writes any pending change.
   */
  save(options: { force?: boolean } = {}): Promise<void> {
    const run = this.#chain.then(async () => {
      const cursorDue =
        this.#cursorDirty && (options.force === true || Date.now() - this.#lastWriteAt >= this.idleFlushMs);
      if (!this.#dirty && !cursorDue) return;
      this.#dirty = false;
      this.#cursorDirty = false;
      const text = `${JSON.stringify(this.state, null, 1)}\n`;
      await writeAtomically(this.path, text);
      this.#lastWriteAt = Date.now();
      this.writes++;
      this.#saved = JSON.parse(text) as KeeperStateFile;
    });
    this.#chain = run.catch(() => {});
    return run;
  }
}

const TEMPORARY = /^\.state\.(\d+)\.\d+\.tmp$/;

/** Temporary files left by a process killed mid-write (any but a live other process's). */
async function removeStaleTemporaries(directory: string): Promise<void> {
  for (const name of await readdir(directory)) {
    const match = TEMPORARY.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    await unlink(join(directory, name)).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
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
