import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { BaseError } from "@payable-ai/sdk";
import type { Address, Hex } from "viem";
import { z } from "zod";
import type { RequestEvent } from "./chain.js";
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
  /** Timestamp of that block. */
  requestedAt: string;
  phase: RequestPhase;
  /**
   * The one report this keeper signed for the request's current round (as executor or
   * co-signer), with the signatures it holds for it. A keeper never signs a second, different
   * report for a round: that is the equivocation the market slashes. When a report is voided the
   * request opens its next round and this is cleared, so the keeper answers the new round.
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
  /** Equivocations this keeper proved at the report court, as `signer:round`. */
  proven?: string[];
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

export class StateMismatchError extends BaseError {
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
  proven: z.array(z.string()).optional(),
});
const stateFileSchema = z.object({
  version: z.literal(1),
  chainId: z.number().int().positive(),
  market: hex,
  keeper: hex,
  nextBlock: decimal,
  requests: z.record(decimal, requestRecordSchema),
});

const SNAPSHOT = "state.json";
const JOURNAL = "state.journal";

const journalHeaderSchema = z.object({ snapshot: z.string().regex(/^[0-9a-f]{64}$/) });
const journalEntrySchema = z.strictObject({
  put: z.record(decimal, requestRecordSchema).optional(),
  del: z.array(decimal).optional(),
  next: decimal.optional(),
});

/** One save as written to the journal: the records it wrote whole, those it removed, the cursor. */
type JournalEntry = { put?: Record<string, RequestRecord>; del?: string[]; next?: string };

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
  /**
   * The journal is folded into the snapshot once it would grow past both the snapshot's size
   * and this many bytes, so a save costs what changed and compaction stays amortized.
   */
  journalLimitBytes?: number;
  /** Told about journal lines dropped at open (a torn last write, a stale journal). */
  onWarning?: (message: string) => void;
};

/**
 * The keeper's durable state: a snapshot (`state.json`, replaced atomically: temporary file,
 * fsync, rename, directory fsync) and a journal beside it (`state.journal`), to which every save
 * appends one self-checking line holding only what changed, then fsyncs. The journal is replayed
 * and folded into the snapshot at open, and whenever it outgrows the snapshot, so a keeper killed
 * at any instant restarts from the last completed save. Writes are serialized; `save` resolves
 * once the change is on disk. Nothing is written while nothing changed, and settled requests are
 * pruned once past their retention.
 */
export class KeeperStateStore {
  #chain: Promise<void> = Promise.resolve();
  /** Requests added, changed or removed since the last write. */
  #changed = new Set<string>();
  /** `nextBlock` changed since the last write. */
  #cursorDirty = false;
  #lastWriteAt = 0;
  /** The state as last written to disk (what survives a crash). */
  #saved: KeeperStateFile | undefined;
  #snapshotHash = "";
  #snapshotBytes = 0;
  /** Bytes in the journal; 0 while there is none. */
  #journalBytes = 0;
  /** A write failed part-way: the next save rewrites the snapshot rather than append. */
  #compactNext = false;
  readonly journalPath: string;
  readonly retentionSeconds: bigint;
  readonly idleFlushMs: number;
  readonly journalLimitBytes: number;
  /** Writes (journal appends and snapshots) since the store was opened (for tests and metrics). */
  writes = 0;
  /** Snapshot rewrites since the store was opened, the one at open included. */
  compactions = 0;

  private constructor(
    readonly path: string,
    readonly state: KeeperStateFile,
    options: KeeperStateOptions,
  ) {
    this.journalPath = join(dirname(path), JOURNAL);
    this.retentionSeconds = options.retentionSeconds ?? 86_400n;
    this.idleFlushMs = options.idleFlushMs ?? 30_000;
    this.journalLimitBytes = options.journalLimitBytes ?? 1 << 20;
  }

  /**
   * Opens (or creates) `state.json` in `directory` and replays `state.journal` onto it. A file
   * written for another chain, market or keeper is refused rather than reused.
   */
  static async open(
    directory: string,
    identity: { chainId: number; market: Address; keeper: Address; startBlock: bigint },
    options: KeeperStateOptions = {},
  ): Promise<KeeperStateStore> {
    const path = join(directory, SNAPSHOT);
    await mkdir(directory, { recursive: true });
    await removeStaleTemporaries(directory);
    let state: KeeperStateFile;
    let snapshotHash = "";
    try {
      const text = await readFile(path, "utf8");
      snapshotHash = sha256(text);
      const json: unknown = JSON.parse(text);
      const checked = stateFileSchema.safeParse(json);
      if (!checked.success) {
        throw new Error(
          `not a keeper state file (${describeIssues(checked.error)}); move it away to start over from the deployment block`,
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
    const warn =
      options.onWarning ?? ((message: string) => process.emitWarning(message, "KeeperStateWarning"));
    for (const entry of await readJournal(join(directory, JOURNAL), snapshotHash, warn)) {
      applyEntry(state, entry);
    }
    const store = new KeeperStateStore(path, state, options);
    await store.#compact();
    store.writes++;
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
    this.#changed.add(record.requestId);
    return true;
  }

  remove(requestId: bigint): void {
    delete this.state.requests[requestId.toString()];
    this.#changed.add(requestId.toString());
  }

  /** Changes a request in memory; call {@link save} to persist. */
  update(requestId: bigint, change: (record: RequestRecord) => void): RequestRecord {
    const record = this.state.requests[requestId.toString()];
    if (record === undefined) throw new Error(`request ${requestId} is not in the keeper state`);
    const before = JSON.stringify(record);
    change(record);
    if (JSON.stringify(record) !== before) this.#changed.add(requestId.toString());
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
      this.#changed.add(id);
      pruned++;
    }
    return pruned;
  }

  /**
   * Writes what changed if a request changed (or, every `idleFlushMs`, if only `nextBlock`
   * moved); concurrent calls are queued, never interleaved. `force` writes any pending change.
   */
  save(options: { force?: boolean } = {}): Promise<void> {
    const run = this.#chain.then(async () => {
      const cursorDue =
        this.#cursorDirty && (options.force === true || Date.now() - this.#lastWriteAt >= this.idleFlushMs);
      if (this.#changed.size === 0 && !cursorDue) return;
      const changed = this.#changed;
      const cursorDirty = this.#cursorDirty;
      this.#changed = new Set();
      this.#cursorDirty = false;
      try {
        const put: Record<string, RequestRecord> = {};
        const del: string[] = [];
        for (const id of changed) {
          const record = this.state.requests[id];
          if (record !== undefined) put[id] = record;
          else del.push(id);
        }
        const entry: JournalEntry = {};
        if (del.length < changed.size) entry.put = put;
        if (del.length > 0) entry.del = del;
        if (this.state.nextBlock !== this.#saved?.nextBlock) entry.next = this.state.nextBlock;
        const json = JSON.stringify(entry);
        const line = journalLine(json);
        const bound = Math.max(this.#snapshotBytes, this.journalLimitBytes);
        if (this.#compactNext || this.#journalBytes + Buffer.byteLength(line) > bound) {
          await this.#compact();
        } else {
          await this.#append(line);
          // biome-ignore lint/style/noNonNullAssertion: set by the compaction at open
          applyEntry(this.#saved!, JSON.parse(json) as JournalEntry);
        }
      } catch (error) {
        for (const id of changed) this.#changed.add(id);
        this.#cursorDirty ||= cursorDirty;
        this.#compactNext = true;
        throw error;
      }
      this.#lastWriteAt = Date.now();
      this.writes++;
    });
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Appends one line to the journal (starting it with its header) and fsyncs it. */
  async #append(line: string): Promise<void> {
    const starting = this.#journalBytes === 0;
    const data = Buffer.from(
      starting ? journalLine(JSON.stringify({ snapshot: this.#snapshotHash })) + line : line,
    );
    const handle = await open(this.journalPath, starting ? "w" : "a");
    try {
      await handle.write(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (starting) await syncDirectory(dirname(this.path));
    this.#journalBytes += data.length;
  }

  /**
   * Rewrites the snapshot with the whole state, then drops the journal. A crash in between
   * leaves a journal whose header names the previous snapshot: it is discarded at open, since
   * the new snapshot already holds everything in it.
   */
  async #compact(): Promise<void> {
    const text = `${JSON.stringify(this.state, null, 1)}\n`;
    await writeAtomically(this.path, text);
    this.#saved = JSON.parse(text) as KeeperStateFile;
    this.#snapshotHash = sha256(text);
    this.#snapshotBytes = Buffer.byteLength(text);
    await unlink(this.journalPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    this.#journalBytes = 0;
    this.#compactNext = false;
    this.compactions++;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `<first 16 hex digits of the sha256 of json> <json>\n`: a torn or altered line fails its check. */
function journalLine(json: string): string {
  return `${checksum(json)} ${json}\n`;
}

function checksum(json: string): string {
  return sha256(json).slice(0, 16);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

function applyEntry(state: KeeperStateFile, entry: JournalEntry): void {
  for (const [id, record] of Object.entries(entry.put ?? {})) state.requests[id] = record;
  for (const id of entry.del ?? []) delete state.requests[id];
  if (entry.next !== undefined) state.nextBlock = entry.next;
}

/**
 * The journal's entries for the snapshot whose sha256 is `snapshotHash`. A last line that fails
 * its check is a write torn by a crash (that save never resolved) and is dropped with a warning;
 * any other bad line is an error naming the file and the line.
 */
async function readJournal(
  path: string,
  snapshotHash: string,
  warn: (message: string) => void,
): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new StateMismatchError(`cannot read keeper journal ${path}: ${(error as Error).message}`);
  }
  const lines = text.split("\n");
  const terminated = lines[lines.length - 1] === "";
  if (terminated) lines.pop();
  const entries: JournalEntry[] = [];
  for (const [index, line] of lines.entries()) {
    const last = index === lines.length - 1;
    const fail = (reason: string): never => {
      throw new StateMismatchError(`cannot read keeper journal ${path} line ${index + 1}: ${reason}`);
    };
    const match = /^([0-9a-f]{16}) (.*)$/.exec(line);
    if (match === null || (last && !terminated) || checksum(match[2] as string) !== match[1]) {
      if (last) {
        warn(`${path} line ${index + 1} is incomplete (a write cut short by a crash); ignoring it`);
        break;
      }
      fail("the line fails its checksum; move the journal away to start over from the snapshot");
    }
    const json: unknown = JSON.parse((match as RegExpExecArray)[2] as string);
    if (index === 0) {
      const header = journalHeaderSchema.safeParse(json);
      if (!header.success) fail(`not a journal header (${describeIssues(header.error)})`);
      if (header.data?.snapshot !== snapshotHash) {
        warn(`${path} was written for an earlier snapshot (a compaction was cut short); ignoring it`);
        return [];
      }
      continue;
    }
    const entry = journalEntrySchema.safeParse(json);
    if (!entry.success) fail(`not a journal entry (${describeIssues(entry.error)})`);
    entries.push(json as JournalEntry);
  }
  return entries;
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
  await syncDirectory(dirname(path));
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** The durable fields of a request, as its `InferenceRequested` event states them. */
export function requestedFields(event: RequestEvent, requestedAt: bigint) {
  return {
    requestId: event.requestId.toString(),
    modelId: event.modelId.toString(),
    requester: event.requester,
    inputHash: event.inputHash,
    inputURI: event.inputURI,
    fee: event.fee.toString(),
    deadline: event.deadline.toString(),
    blockNumber: event.blockNumber.toString(),
    blockHash: event.blockHash,
    requestedAt: requestedAt.toString(),
  };
}
