import { answerRecipe, decodeText } from "@payable-ai/attribution";
import {
  type GatewayClient,
  hashVoucher,
  modelAdapterId,
  usageLedgerAbi,
  type Voucher,
} from "@payable-ai/sdk";
import type { Logger } from "pino";
import { type Address, type Hex, isAddressEqual, recoverAddress, zeroHash } from "viem";
import { type AnswerBuilder, type AnswerContext, UnanswerableError } from "./answer.js";
import { type KeeperChain, type RequestEvent, revertName } from "./chain.js";
import type { MeteredCallRecord, MeteredCallStore } from "./meteredCalls.js";
import type { InferenceClient } from "./services.js";

/** A refusal of a metered call: nothing was served and nothing is owed. */
export class MeterRefusal extends Error {
  override name = "MeterRefusal";
  constructor(
    readonly status: 400 | 401 | 402 | 404 | 409 | 422 | 503,
    readonly code: string,
    message: string,
    readonly details: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** `Math.max` for bigints, which it does not take. */
function larger(a: bigint, b: bigint): bigint {
  if (a > b) return a;
  return b;
}

/** What a voucher is checked against, read before the call is served. */
export type VoucherCheck = {
  voucher: Voucher;
  /** Who signed the voucher's digest (undefined for a malformed signature). */
  signer: Address | undefined;
  /** This keeper. */
  keeper: Address;
  /** Chain time now (seconds). */
  now: bigint;
  /** The least time a voucher must still be valid: it is settled at the next epoch, not now. */
  minLifetime: bigint;
  /** `UsageLedger.settledSpend(requester, keeper)`. */
  settled: bigint;
  /** The channel's cumulative spend after the calls this keeper served (at least `settled`). */
  served: bigint;
  /** This call's price. */
  cost: bigint;
  /** `UsageLedger.availableBalance(requester)`. */
  available: bigint;
};

/**
 * Whether a voucher pays for a call, in the order a requester fixes its mistakes: for this
 * keeper, signed by its requester, valid long enough to be settled, newer than every voucher
 * already served (an older one is a replay), exactly the served spend plus this call's price,
 * and covered by the balance the requester keeps on the ledger together with what this keeper
 * served and has not settled. Returns the refusal, or undefined when the call may be served.
 */
export function checkVoucher(check: VoucherCheck): MeterRefusal | undefined {
  const { voucher } = check;
  if (!isAddressEqual(voucher.keeper, check.keeper)) {
    return new MeterRefusal(
      400,
      "voucher_wrong_keeper",
      `the voucher pays keeper ${voucher.keeper}; this keeper is ${check.keeper}`,
    );
  }
  if (check.signer === undefined || !isAddressEqual(check.signer, voucher.requester)) {
    return new MeterRefusal(
      401,
      "voucher_signature_invalid",
      `the voucher is not signed by its requester ${voucher.requester}${check.signer ? ` (signed by ${check.signer})` : ""}`,
    );
  }
  if (voucher.expiry < check.now + check.minLifetime) {
    return new MeterRefusal(
      400,
      "voucher_expired",
      `the voucher expires at ${voucher.expiry}; it must be valid until at least ${check.now + check.minLifetime} to be settled`,
    );
  }
  const served = larger(check.served, check.settled);
  const expected = served + check.cost;
  if (voucher.cumulativeSpend <= served) {
    return new MeterRefusal(
      409,
      "voucher_replayed",
      `the voucher spends ${voucher.cumulativeSpend} in all; the channel has already spent ${served}`,
      { cumulativeSpend: expected.toString() },
    );
  }
  if (voucher.cumulativeSpend !== expected) {
    return new MeterRefusal(
      402,
      "voucher_amount_mismatch",
      `the call costs ${check.cost}: the voucher must spend ${expected} in all, not ${voucher.cumulativeSpend}`,
      { cumulativeSpend: expected.toString() },
    );
  }
  const owed = expected - check.settled;
  if (check.available < owed) {
    return new MeterRefusal(
      402,
      "insufficient_balance",
      `the ledger balance available to keepers is ${check.available}; this channel would owe ${owed}`,
    );
  }
  return undefined;
}

/** A metered call as the route takes it. */
export type MeteredRequest = {
  modelId: bigint;
  message: string;
  maxTokens: number;
  requester: Address;
};

export type MeterQuote = {
  modelId: bigint;
  blockNumber: bigint;
  promptTokens: bigint;
  maxTokens: bigint;
  cost: bigint;
  settled: bigint;
  served: bigint;
  /** The voucher's `cumulativeSpend` for this call. */
  cumulativeSpend: bigint;
  available: bigint;
};

/**
 * Serves metered calls: quotes them, checks the voucher that comes with each, runs the model on
 * the inference node with the answer recipe of per-request calls, attributes the answer exactly
 * as a market request is attributed and records the call for its epoch. A call is priced before
 * it runs, at its prompt's tokens and its `max_tokens` (the ledger settles what the voucher
 * says, so its amount is fixed when the requester signs it).
 */
export class Meter {
  /** One call at a time per requester: each voucher extends the one before. */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly options: {
      chain: KeeperChain;
      ledger: Address;
      answers: AnswerBuilder;
      gateway: GatewayClient;
      inference: InferenceClient;
      store: MeteredCallStore;
      logger: Logger;
      keeper: Address;
      /** Seconds a voucher must outlive the call (default 600). */
      voucherMinLifetime?: bigint;
    },
  ) {}

  get minLifetime(): bigint {
    return this.options.voucherMinLifetime ?? 600n;
  }

  /** The price of a call and the voucher amount that pays it, at the latest block. */
  async quote(request: MeteredRequest): Promise<MeterQuote & { context: AnswerContext; inputHash: Hex }> {
    const { chain } = this.options;
    const { number: blockNumber } = await chain.latestBlock();
    const { hash: inputHash } = await this.options.gateway.putBlob(request.message);
    const event: RequestEvent = {
      requestId: 0n,
      requester: request.requester,
      modelId: request.modelId,
      inputHash,
      inputURI: `blob:${inputHash}`,
      fee: 0n,
      deadline: 0n,
      blockNumber,
      blockHash: zeroHash,
    };
    let context: AnswerContext;
    try {
      context = await this.options.answers.context(event);
    } catch (error) {
      if (error instanceof UnanswerableError) throw new MeterRefusal(422, "unanswerable", error.message);
      if (revertName(error) === "ModelUnknown")
        throw new MeterRefusal(404, "model_not_found", `model ${request.modelId} does not exist`);
      throw error;
    }
    const adapter = await this.#adapterOf(context);
    const promptTokens = BigInt(await this.options.inference.countChatTokens(adapter, context.prompt));
    const maxTokens = BigInt(request.maxTokens);
    const read = { address: this.options.ledger, abi: usageLedgerAbi, blockNumber } as const;
    const client = chain.publicClient;
    let cost: bigint;
    try {
      cost = await client.readContract({
        ...read,
        functionName: "quote",
        args: [request.modelId, promptTokens, maxTokens],
      });
    } catch {
      throw new MeterRefusal(
        422,
        "model_not_requestable",
        `model ${request.modelId} cannot be requested (unknown, paused, retired or delisted)`,
      );
    }
    const [settled, available] = await Promise.all([
      client.readContract({
        ...read,
        functionName: "settledSpend",
        args: [request.requester, this.options.keeper],
      }),
      client.readContract({ ...read, functionName: "availableBalance", args: [request.requester] }),
    ]);
    const servedOn = this.options.store.servedOn(request.requester, this.options.keeper);
    const served = larger(servedOn, settled);
    return {
      modelId: request.modelId,
      blockNumber,
      promptTokens,
      maxTokens,
      cost,
      settled,
      served,
      cumulativeSpend: served + cost,
      available,
      context,
      inputHash,
    };
  }

  /** Checks the voucher, serves the call and records it; a refusal costs the requester nothing. */
  async serve(
    request: MeteredRequest,
    voucher: Voucher,
    signature: Hex,
    requestId: string,
  ): Promise<{
    call: MeteredCallRecord;
    text: string;
    finishReason: string | null;
    completionTokens: number;
  }> {
    if (!isAddressEqual(voucher.requester, request.requester)) {
      throw new MeterRefusal(400, "invalid_request", "the voucher's requester is not the caller");
    }
    return this.#exclusive(request.requester, async () => {
      const quote = await this.quote(request);
      const { chain } = this.options;
      const digest = hashVoucher({ chainId: chain.chainId, ledger: this.options.ledger, voucher });
      const signer = await recoverAddress({ hash: digest, signature }).catch(() => undefined);
      const { timestamp } = await chain.publicClient.getBlock({ blockNumber: quote.blockNumber });
      const refusal = checkVoucher({
        voucher,
        signer,
        keeper: this.options.keeper,
        now: timestamp,
        minLifetime: this.minLifetime,
        settled: quote.settled,
        served: quote.served,
        cost: quote.cost,
        available: quote.available,
      });
      if (refusal) throw refusal;

      const adapter = await this.#adapterOf(quote.context);
      const completion = await this.options.inference.chatCompletion({
        model: adapter,
        message: quote.context.prompt,
        maxTokens: Number(quote.maxTokens),
        temperature: answerRecipe.temperature,
        seed: answerRecipe.seed,
        requestId,
      });
      const bytes = new TextEncoder().encode(completion.text);
      const { hash: outputHash } = await this.options.gateway.putBlob(bytes);
      // As for a market request: the stored bytes are attributed, as a peer reads them.
      const { attributionVersion, attributions } = this.options.answers.attribute(
        quote.context,
        decodeText(bytes),
      );
      const call: MeteredCallRecord = {
        requester: request.requester,
        keeper: this.options.keeper,
        modelId: request.modelId,
        blockNumber: quote.blockNumber,
        inputHash: quote.inputHash,
        outputHash,
        promptTokens: quote.promptTokens,
        maxTokens: quote.maxTokens,
        cost: quote.cost,
        attributionVersion,
        attributions,
        voucher,
        signature,
      };
      await this.options.store.recordCall(call);
      this.options.logger.info(
        { requester: request.requester, modelId: String(request.modelId), cost: String(quote.cost) },
        "metered call served",
      );
      return {
        call,
        text: completion.text,
        finishReason: completion.finishReason,
        completionTokens: completion.completionTokens ?? 0,
      };
    });
  }

  async #adapterOf(context: AnswerContext): Promise<string> {
    const adapter = await this.options.inference.adapterIdFor(
      context.model.modelId,
      context.model.adapterHash,
    );
    if (adapter === undefined) {
      throw new MeterRefusal(
        503,
        "model_unavailable",
        `this keeper's inference node has no adapter with hash ${context.model.adapterHash} (${modelAdapterId(context.model.modelId)})`,
      );
    }
    return adapter;
  }

  async #exclusive<T>(requester: Address, work: () => Promise<T>): Promise<T> {
    const key = requester.toLowerCase();
    const before = this.#locks.get(key) ?? Promise.resolve();
    const run = before.catch(() => {}).then(work);
    this.#locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === run) this.#locks.delete(key);
    }
  }
}
