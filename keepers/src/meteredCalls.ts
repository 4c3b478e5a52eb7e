import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Attribution, Voucher } from "@payable-ai/sdk";
import type { Address, Hex } from "viem";
import { z } from "zod";
import { address, hex32, hexBytes, uint } from "./protocol.js";

/**
 * One metered call a keeper served: what it cost, the voucher that pays for it (the channel's
 * cumulative spend after the call) and everything its attribution depends on, so any keeper can
 * recompute it (the context at `blockNumber`, the stored input and output blobs).
 */
export type MeteredCallRecord = {
  requester: Address;
  keeper: Address;
  modelId: bigint;
  /** The block the call's context (model, accepted contributions, price) was read at. */
  blockNumber: bigint;
  /** The user message, a public gateway blob. */
  inputHash: Hex;
  /** The answer, a public gateway blob. */
  outputHash: Hex;
  promptTokens: bigint;
  /** Output tokens the call was priced at: its `max_tokens`. */
  maxTokens: bigint;
  /** `UsageLedger.quote(modelId, promptTokens, maxTokens)` at `blockNumber`. */
  cost: bigint;
  attributionVersion: number;
  attributions: readonly Attribution[];
  voucher: Voucher;
  /** The requester's EIP-712 signature of `voucher`. */
  signature: Hex;
};

const hash = hex32.transform((h) => h.toLowerCase() as Hex);
const signature = hexBytes.transform((s) => s as Hex);

/** A `Voucher` as JSON (integers as decimal strings). */
export const voucherJsonSchema = z.object({
  requester: address,
  keeper: address,
  cumulativeSpend: uint,
  expiry: uint,
});

/** A metered call as JSON, as keepers exchange and publish them. */
export const meteredCallJsonSchema = z.object({
  requester: address,
  keeper: address,
  modelId: uint,
  blockNumber: uint,
  inputHash: hash,
  outputHash: hash,
  promptTokens: uint,
  maxTokens: uint,
  cost: uint,
  attributionVersion: z.number().int().min(0).max(0xffffffff),
  attributions: z
    .array(z.object({ contributionId: uint, weightBps: z.number().int().min(0).max(10_000) }))
    .max(256),
  voucher: voucherJsonSchema,
  signature,
});

export function voucherToJson(voucher: Voucher) {
  return {
    requester: voucher.requester,
    keeper: voucher.keeper,
    cumulativeSpend: voucher.cumulativeSpend.toString(),
    expiry: voucher.expiry.toString(),
  };
}

export function meteredCallToJson(call: MeteredCallRecord) {
  return {
    requester: call.requester,
    keeper: call.keeper,
    modelId: call.modelId.toString(),
    blockNumber: call.blockNumber.toString(),
    inputHash: call.inputHash,
    outputHash: call.outputHash,
    promptTokens: call.promptTokens.toString(),
    maxTokens: call.maxTokens.toString(),
    cost: call.cost.toString(),
    attributionVersion: call.attributionVersion,
    attributions: call.attributions.map((a) => ({
      contributionId: a.contributionId.toString(),
      weightBps: a.weightBps,
    })),
    voucher: voucherToJson(call.voucher),
    signature: call.signature,
  };
}

export type MeteredCallJson = ReturnType<typeof meteredCallToJson>;

/** The channel a call belongs to, as a map key. */
export function channelKey(requester: Address, keeper: Address): string {
  return `${requester.toLowerCase()}:${keeper.toLowerCase()}`;
}

/**
 * The calls this keeper served and the epoch reports it signed, each appended to
 * `metered.journal` in the state directory and fsynced before the call's answer (or the
 * signature) leaves the process: a restarted keeper still holds every voucher it was paid with.
 */
export class MeteredCallStore {
  readonly #calls: MeteredCallRecord[] = [];
  /** Epoch number → digest of the one report this keeper signed for it. */
  readonly #signed = new Map<bigint, Hex>();
  /** Channel key → the cumulative spend of its latest served call. */
  readonly #served = new Map<string, bigint>();

  private constructor(readonly path: string) {}

  static async open(stateDir: string): Promise<MeteredCallStore> {
    const store = new MeteredCallStore(join(stateDir, "metered.journal"));
    let text = "";
    try {
      text = await readFile(store.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const lines = text.split("\n").filter((l) => l.length > 0);
    for (const [i, line] of lines.entries()) {
      let entry: { call?: unknown; signed?: { epoch: string; digest: Hex } };
      try {
        entry = JSON.parse(line);
      } catch {
        // A line cut short by a crash is the last one, and its append never resolved.
        if (i === lines.length - 1) break;
        throw new Error(`${store.path}: line ${i + 1} is not JSON`);
      }
      if (entry.call !== undefined) store.#remember(meteredCallJsonSchema.parse(entry.call));
      if (entry.signed !== undefined) store.#signed.set(BigInt(entry.signed.epoch), entry.signed.digest);
    }
    return store;
  }

  /** Every call served, oldest first. */
  get calls(): readonly MeteredCallRecord[] {
    return this.#calls;
  }

  /** The cumulative spend of the channel's latest served call (zero for none). */
  servedOn(requester: Address, keeper: Address): bigint {
    return this.#served.get(channelKey(requester, keeper)) ?? 0n;
  }

  signedDigest(epoch: bigint): Hex | undefined {
    return this.#signed.get(epoch);
  }

  async recordCall(call: MeteredCallRecord): Promise<void> {
    await this.#append({ call: meteredCallToJson(call) });
    this.#remember(call);
  }

  async recordSigned(epoch: bigint, digest: Hex): Promise<void> {
    await this.#append({ signed: { epoch: epoch.toString(), digest } });
    this.#signed.set(epoch, digest);
  }

  #remember(call: MeteredCallRecord) {
    this.#calls.push(call);
    const key = channelKey(call.requester, call.keeper);
    const served = this.#served.get(key) ?? 0n;
    if (call.voucher.cumulativeSpend > served) this.#served.set(key, call.voucher.cumulativeSpend);
  }

  async #append(entry: unknown) {
    const handle = await open(this.path, "a");
    try {
      await handle.write(`${JSON.stringify(entry)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
