import { decodeText } from "@payable-ai/attribution";
import {
  aggregateEpoch,
  datanetRegistryAbi,
  type EpochReport,
  type EpochTree,
  type GatewayClient,
  hashEpochReport,
  hashVoucher,
  inferenceMarketAbi,
  loadEpochTree,
  type MeteredCall,
  modelRegistryAbi,
  signEpochReport,
  sortSignatures,
  submitEpoch,
  toJson,
  usageLedgerAbi,
} from "@payable-ai/sdk";
import type { Logger } from "pino";
import {
  type Address,
  getAddress,
  type Hex,
  isAddressEqual,
  type LocalAccount,
  recoverAddress,
  zeroAddress,
  zeroHash,
} from "viem";
import { z } from "zod";
import type { AnswerBuilder } from "./answer.js";
import type { KeeperChain, RequestEvent } from "./chain.js";
import { MeterRefusal } from "./meter.js";
import {
  channelKey,
  type MeteredCallRecord,
  type MeteredCallStore,
  meteredCallJsonSchema,
  meteredCallToJson,
  voucherJsonSchema,
  voucherToJson,
} from "./meteredCalls.js";
import type { InferenceClient } from "./services.js";

/** The keeper that proposes in `slot`: the `slot mod n`-th of `keepers` by ascending address. */
export function proposerOf(slot: bigint, keepers: readonly Address[]): Address {
  const sorted = [...new Set(keepers.map((k) => getAddress(k)))].sort((a, b) =>
    a.toLowerCase() < b.toLowerCase() ? -1 : 1,
  );
  if (sorted.length === 0) throw new Error("proposerOf: no keepers");
  return sorted[Number(slot % BigInt(sorted.length))] as Address;
}

/** Epoch statuses as the ledger numbers them (`IUsageLedger.EpochStatus`). */
const EpochStatus = { None: 0, Pending: 1, Disputed: 2, Voided: 3, Final: 4 } as const;

/** Seconds a voucher must still be valid at the epoch's block: the report lands a little later. */
const EXPIRY_MARGIN = 60n;

/**
 * What an epoch report is computed from, published (with the tree) at the report's `dataURI`:
 * the epoch, the block every chain read is made at, and the calls. Anyone rebuilds the report
 * from it and the chain.
 */
export const epochDocumentSchema = z.object({
  version: z.literal(1),
  epoch: z.string().regex(/^\d+$/),
  blockNumber: z.string().regex(/^\d+$/),
  calls: z.array(meteredCallJsonSchema).max(100_000),
  tree: z.unknown().optional(),
});
export type EpochDocument = z.input<typeof epochDocumentSchema>;

/** An `EpochReport` as JSON. */
export const epochReportJsonSchema = z.object({
  epoch: z.string().regex(/^\d+$/).transform(BigInt),
  root: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/)
    .transform((h) => h as Hex),
  cumulativeTotal: z.string().regex(/^\d+$/).transform(BigInt),
  spend: z.string().regex(/^\d+$/).transform(BigInt),
  calls: z.string().regex(/^\d+$/).transform(BigInt),
  dataURI: z.string().max(2048),
  vouchers: z.array(voucherJsonSchema).max(10_000),
});

export function epochReportToJson(report: EpochReport) {
  return {
    epoch: report.epoch.toString(),
    root: report.root,
    cumulativeTotal: report.cumulativeTotal.toString(),
    spend: report.spend.toString(),
    calls: report.calls.toString(),
    dataURI: report.dataURI,
    vouchers: report.vouchers.map(voucherToJson),
  };
}

export type BuiltEpoch = ReturnType<typeof aggregateEpoch> & {
  calls: MeteredCallRecord[];
  /** Calls left out by a lenient build, with the reason. */
  dropped: { call: MeteredCallRecord; reason: string }[];
};

/**
 * The metered side of the quorum: each keeper hands out its unsettled calls (`calls`); one
 * gathers them from every peer, rebuilds every call's attribution, aggregates the epoch with the
 * SDK's `aggregateEpoch`, publishes the calls and the tree, signs, and asks its peers to co-sign
 * (`propose`); a peer signs only the report it rebuilds itself from the published calls
 * (`cosign`); with a quorum the proposer submits `submitEpoch`. Earners get their proofs
 * against the claimable root from `proof`.
 */
export class EpochSettler {
  readonly #documents = new Map<
    bigint,
    { document: z.output<typeof epochDocumentSchema>; tree: EpochTree }
  >();
  /**
   * Calls this keeper already recomputed, by their whole JSON: the voucher signature alone does
   * not cover the attribution or the token counts a proposer publishes with it.
   */
  readonly #verified = new Set<string>();

  constructor(
    readonly options: {
      chain: KeeperChain;
      ledger: Address;
      account: LocalAccount;
      answers: AnswerBuilder;
      gateway: GatewayClient;
      inference: InferenceClient;
      store: MeteredCallStore;
      logger: Logger;
      peers: readonly string[];
      timeoutMs: number;
      /** Seconds of chain time per proposal slot; 0 proposes only when asked. */
      epochSeconds?: bigint;
    },
  ) {}

  #lastSlot: bigint | undefined;
  /** Peer URL → its keeper address, learned from its `/health/live`. */
  readonly #peerAddresses = new Map<string, Address>();

  /**
   * Proposes the next epoch when this keeper holds the current slot: chain time is cut in slots
   * of `epochSeconds`, and slot `s` belongs to the `s mod n`-th of this keeper and its peers by
   * ascending address (`proposerOf`). Once per slot; a slot whose keeper is down passes with
   * nothing proposed, and the next keeper takes the next one. Never throws.
   */
  async proposeOnSchedule(): Promise<void> {
    const every = this.options.epochSeconds ?? 0n;
    if (every <= 0n) return;
    try {
      const { timestamp } = await this.options.chain.latestBlock();
      const slot = timestamp / every;
      if (slot === this.#lastSlot) return;
      this.#lastSlot = slot;
      const keepers = [this.options.account.address, ...(await this.#knownPeerAddresses())];
      if (!isAddressEqual(proposerOf(slot, keepers), this.options.account.address)) return;
      const result = await this.propose();
      this.options.logger.info(
        { epoch: String(result.epoch), slot: String(slot) },
        "scheduled epoch submitted",
      );
    } catch (error) {
      const quiet =
        error instanceof MeterRefusal && ["nothing_to_settle", "epoch_pending"].includes(error.code);
      if (quiet) this.options.logger.debug({ code: (error as MeterRefusal).code }, "no epoch to propose");
      else this.options.logger.warn({ err: error }, "scheduled epoch proposal failed");
    }
  }

  async #knownPeerAddresses(): Promise<Address[]> {
    await Promise.all(
      this.options.peers
        .filter((peer) => !this.#peerAddresses.has(peer))
        .map(async (peer) => {
          try {
            const response = await fetch(`${peer}/health/live`, { signal: AbortSignal.timeout(5_000) });
            const { keeper } = (await response.json()) as { keeper?: string };
            if (typeof keeper === "string" && /^0x[0-9a-fA-F]{40}$/.test(keeper))
              this.#peerAddresses.set(peer, getAddress(keeper));
          } catch {
            // Unreachable now: it takes no slot until it answers.
          }
        }),
    );
    return [...this.#peerAddresses.values()];
  }

  get #client() {
    return this.options.chain.publicClient;
  }

  #read<T>(functionName: string, args: readonly unknown[], blockNumber?: bigint): Promise<T> {
    return this.#client.readContract({
      address: this.options.ledger,
      abi: usageLedgerAbi,
      // biome-ignore lint/suspicious/noExplicitAny: one helper for the ledger's many views
      functionName: functionName as any,
      // biome-ignore lint/suspicious/noExplicitAny: as above
      args: args as any,
      ...(blockNumber === undefined ? {} : { blockNumber }),
    }) as Promise<T>;
  }

  /** This keeper's calls the ledger has not settled yet (their voucher is above the channel's settled spend). */
  async unsettledCalls(blockNumber?: bigint): Promise<MeteredCallRecord[]> {
    const settled = new Map<string, bigint>();
    const out: MeteredCallRecord[] = [];
    for (const call of this.options.store.calls) {
      if (blockNumber !== undefined && call.blockNumber > blockNumber) continue;
      const key = channelKey(call.requester, call.keeper);
      let spent = settled.get(key);
      if (spent === undefined) {
        spent = await this.#read<bigint>("settledSpend", [call.requester, call.keeper], blockNumber);
        settled.set(key, spent);
      }
      if (call.voucher.cumulativeSpend > spent) out.push(call);
    }
    return out;
  }

  /**
   * Rebuilds an epoch report from its calls and the chain at `blockNumber`. Strict (a co-signer):
   * any call that does not check out refuses the whole epoch. Lenient (the proposer): a channel
   * is cut at its first bad call, so one forged or inconsistent call cannot hold the epoch up.
   */
  async build(
    epoch: bigint,
    blockNumber: bigint,
    calls: readonly MeteredCallRecord[],
    mode: "strict" | "lenient",
  ): Promise<BuiltEpoch> {
    const at = { blockNumber } as const;
    const [count, totalSpent, block] = await Promise.all([
      this.#read<bigint>("epochCount", [], blockNumber),
      this.#read<bigint>("totalSpent", [], blockNumber),
      this.#client.getBlock(at),
    ]);
    if (BigInt(count) + 1n !== epoch) {
      throw new MeterRefusal(
        409,
        "wrong_epoch",
        `the next epoch at block ${blockNumber} is ${count + 1n}, not ${epoch}`,
      );
    }
    const previous = await this.#previousTree(BigInt(count), blockNumber);

    const dropped: BuiltEpoch["dropped"] = [];
    const refuse = (call: MeteredCallRecord, reason: string) => {
      if (mode === "strict") throw new MeterRefusal(422, "call_rejected", reason);
      dropped.push({ call, reason });
    };
    const channels = new Map<string, MeteredCallRecord[]>();
    const seen = new Set<string>();
    for (const call of calls) {
      const id = call.signature.toLowerCase();
      if (seen.has(id)) {
        refuse(call, `a call of ${call.requester} is listed twice`);
        continue;
      }
      seen.add(id);
      const key = channelKey(call.requester, call.keeper);
      const list = channels.get(key);
      if (list) list.push(call);
      else channels.set(key, [call]);
    }

    const kept: MeteredCallRecord[] = [];
    const latest: { voucher: MeteredCallRecord["voucher"]; signature: Hex; settledSpend: bigint }[] = [];
    for (const key of [...channels.keys()].sort()) {
      const list = (channels.get(key) ?? []).sort((a, b) =>
        a.voucher.cumulativeSpend < b.voucher.cumulativeSpend ? -1 : 1,
      );
      const first = list[0] as MeteredCallRecord;
      const settledSpend = await this.#read<bigint>(
        "settledSpend",
        [first.requester, first.keeper],
        blockNumber,
      );
      let spent = settledSpend;
      const good: MeteredCallRecord[] = [];
      for (const call of list) {
        if (call.voucher.cumulativeSpend <= settledSpend) {
          if (mode === "strict") refuse(call, `a call of ${call.requester} was settled before`);
          continue;
        }
        const reason = await this.#check(call, spent, block.timestamp, blockNumber);
        if (reason !== undefined) {
          refuse(call, reason);
          // Later vouchers of the channel build on this one: cut the channel here.
          for (const rest of list.slice(list.indexOf(call) + 1)) refuse(rest, "follows a rejected call");
          break;
        }
        good.push(call);
        spent = call.voucher.cumulativeSpend;
      }
      const last = good.at(-1);
      if (last === undefined) continue;
      kept.push(...good);
      latest.push({ voucher: last.voucher, signature: last.signature, settledSpend });
    }
    if (kept.length === 0) throw new MeterRefusal(409, "nothing_to_settle", "no unsettled metered calls");

    const requesters = [...new Set(kept.map((c) => c.requester))];
    const [parameters, treasury, ...balances] = await Promise.all([
      this.#client.readContract({
        address: this.options.chain.contracts.InferenceMarket,
        abi: inferenceMarketAbi,
        functionName: "parameters",
        ...at,
      }),
      this.#client.readContract({
        address: this.options.chain.contracts.InferenceMarket,
        abi: inferenceMarketAbi,
        functionName: "treasury",
        ...at,
      }),
      ...requesters.map((r) => this.#read<bigint>("balanceOf", [r], blockNumber)),
    ]);
    const meteredCalls: MeteredCall[] = [];
    for (const call of kept) meteredCalls.push(await this.#payees(call, blockNumber));
    const built = aggregateEpoch({
      epoch,
      previous,
      totalSpent,
      calls: meteredCalls,
      channels: latest,
      balances: new Map(requesters.map((r, i) => [r, balances[i] as bigint])),
      split: {
        protocolFeeBps: parameters.protocolFeeBps,
        executorFeeBps: parameters.executorFeeBps,
        modelFeeBps: parameters.modelFeeBps,
        treasury,
      },
      dataURI: "",
    });
    return { ...built, calls: kept, dropped };
  }

  /** Why a call cannot be settled after `spent` on its channel, or undefined when it can. */
  async #check(
    call: MeteredCallRecord,
    spent: bigint,
    timestamp: bigint,
    blockNumber: bigint,
  ): Promise<string | undefined> {
    const { voucher } = call;
    const who = `call of ${call.requester} on keeper ${call.keeper} (voucher ${voucher.cumulativeSpend})`;
    if (!isAddressEqual(voucher.requester, call.requester) || !isAddressEqual(voucher.keeper, call.keeper))
      return `${who}: its voucher is for another channel`;
    if (call.blockNumber > blockNumber) return `${who}: served after the epoch's block`;
    if (voucher.cumulativeSpend !== spent + call.cost)
      return `${who}: the voucher does not extend the channel's spend ${spent} by the call's cost ${call.cost}`;
    if (voucher.expiry < timestamp + EXPIRY_MARGIN) return `${who}: the voucher expires at ${voucher.expiry}`;
    const digest = hashVoucher({ chainId: this.options.chain.chainId, ledger: this.options.ledger, voucher });
    const signer = await recoverAddress({ hash: digest, signature: call.signature }).catch(() => undefined);
    if (signer === undefined || !isAddressEqual(signer, call.requester))
      return `${who}: the voucher is not signed by its requester`;
    const cost = await this.#read<bigint>(
      "quote",
      [call.modelId, call.promptTokens, call.maxTokens],
      call.blockNumber,
    ).catch(() => undefined);
    if (cost !== call.cost)
      return `${who}: the model's price at block ${call.blockNumber} is ${cost}, not ${call.cost}`;
    const id = JSON.stringify(meteredCallToJson(call));
    if (this.#verified.has(id)) return undefined;
    if (isAddressEqual(call.keeper, this.options.account.address)) {
      // Its own call: exactly as this keeper journaled it, or not at all.
      const mine = this.options.store.calls.find(
        (c) => c.signature.toLowerCase() === call.signature.toLowerCase(),
      );
      if (mine === undefined || JSON.stringify(meteredCallToJson(mine)) !== id)
        return `${who}: this keeper served no such call`;
      this.#verified.add(id);
      return undefined;
    }
    // The answer's attribution, recomputed as a co-signer of a market report does.
    try {
      const event: RequestEvent = {
        requestId: 0n,
        requester: call.requester,
        modelId: call.modelId,
        inputHash: call.inputHash,
        inputURI: `blob:${call.inputHash}`,
        fee: 0n,
        deadline: 0n,
        blockNumber: call.blockNumber,
        blockHash: zeroHash,
      };
      const context = await this.options.answers.context(event);
      const adapter = await this.options.inference.adapterIdFor(call.modelId, context.model.adapterHash);
      if (adapter !== undefined) {
        const tokens = await this.options.inference.countChatTokens(adapter, context.prompt);
        if (BigInt(tokens) !== call.promptTokens)
          return `${who}: the prompt has ${tokens} tokens, not ${call.promptTokens}`;
      }
      const output = decodeText(await this.options.gateway.getBlob(call.outputHash));
      const recomputed = this.options.answers.attribute(context, output);
      if (
        recomputed.attributionVersion !== call.attributionVersion ||
        toJson(recomputed.attributions) !== toJson(call.attributions)
      ) {
        return `${who}: attribution differs: reported ${toJson(call.attributions)}, recomputed ${toJson(recomputed.attributions)}`;
      }
    } catch (error) {
      return `${who}: cannot rebuild its answer: ${(error as Error).message}`;
    }
    this.#verified.add(id);
    return undefined;
  }

  /** A call as `aggregateEpoch` takes it: its payees as the market would pay them at `blockNumber`. */
  async #payees(call: MeteredCallRecord, blockNumber: bigint): Promise<MeteredCall> {
    const at = { blockNumber } as const;
    const registry = this.options.chain.contracts;
    const [accounts, weights] = await this.#client
      .readContract({
        address: registry.ModelRegistry,
        abi: modelRegistryAbi,
        functionName: "revenueShares",
        args: [call.modelId],
        ...at,
      })
      .catch(() => [[], []] as readonly [readonly Address[], readonly bigint[]]);
    const attributions = await Promise.all(
      call.attributions.map(async (a) => {
        const [datanetId, payee] = await this.#client.readContract({
          address: registry.DatanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "contributionPayout",
          args: [a.contributionId],
          ...at,
        });
        return { contributionId: a.contributionId, weightBps: a.weightBps, payee, datanetId };
      }),
    );
    const datanetIds = [...new Set(attributions.map((a) => a.datanetId))];
    const owners = await Promise.all(
      datanetIds.map((datanetId) =>
        this.#client
          .readContract({
            address: registry.DatanetRegistry,
            abi: datanetRegistryAbi,
            functionName: "datanetOwner",
            args: [datanetId],
            ...at,
          })
          .catch(() => zeroAddress),
      ),
    );
    return {
      requester: call.requester,
      keeper: call.keeper,
      cost: call.cost,
      modelRecipients:
        accounts.length === weights.length
          ? accounts.map((account, i) => ({ account, weightBps: weights[i] as bigint }))
          : [],
      attributions,
      datanets: datanetIds.map((datanetId, i) => ({ datanetId, owner: owners[i] as Address })),
    };
  }

  /** The tree of epoch `epoch` (its published document, checked against its on-chain root); none for 0. */
  async #previousTree(epoch: bigint, blockNumber: bigint): Promise<EpochTree | undefined> {
    if (epoch === 0n) return undefined;
    const record = await this.#read<{ root: Hex; status: number; challengeEndsAt: bigint }>(
      "getEpoch",
      [epoch],
      blockNumber,
    );
    if (record.status === EpochStatus.Voided) {
      throw new MeterRefusal(
        409,
        "previous_epoch_voided",
        `epoch ${epoch} was voided; settling after a voided epoch (its carried calls) is not supported by this keeper`,
      );
    }
    return (await this.epochDocument(epoch)).tree;
  }

  /** The published document and tree of a submitted epoch (cached), checked against its root. */
  async epochDocument(epoch: bigint) {
    const cached = this.#documents.get(epoch);
    if (cached) return cached;
    const [event] = await this.#client.getContractEvents({
      address: this.options.ledger,
      abi: usageLedgerAbi,
      eventName: "EpochSubmitted",
      args: { epoch },
      fromBlock: 0n,
      strict: true,
    });
    if (event === undefined)
      throw new MeterRefusal(404, "epoch_not_found", `epoch ${epoch} was never submitted`);
    const document = await this.#loadDocument(event.args.dataURI);
    const tree = loadEpochTree(document.tree);
    if (tree.root.toLowerCase() !== event.args.root.toLowerCase()) {
      throw new MeterRefusal(
        503,
        "epoch_data_mismatch",
        `the tree published for epoch ${epoch} has root ${tree.root}; the ledger holds ${event.args.root}`,
      );
    }
    const entry = { document, tree };
    this.#documents.set(epoch, entry);
    return entry;
  }

  async #loadDocument(uri: string) {
    const match = /^blob:(0x[0-9a-fA-F]{64})$/.exec(uri);
    if (!match)
      throw new MeterRefusal(422, "invalid_data_uri", `an epoch's dataURI is blob:0x<sha256>, not ${uri}`);
    let bytes: Uint8Array;
    try {
      bytes = await this.options.gateway.getBlob(match[1] as Hex);
    } catch (error) {
      throw new MeterRefusal(503, "epoch_data_unavailable", `${uri}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(decodeText(bytes));
    } catch {
      throw new MeterRefusal(422, "invalid_epoch_data", `${uri} is not JSON`);
    }
    const parsed = epochDocumentSchema.safeParse(json);
    if (!parsed.success) throw new MeterRefusal(422, "invalid_epoch_data", parsed.error.message);
    return parsed.data;
  }

  /**
   * Settles the next epoch: gathers the unsettled calls of this keeper and its peers, builds and
   * publishes the report, signs it, collects co-signatures until both quorums are met and submits.
   */
  async propose(): Promise<{
    epoch: bigint;
    report: EpochReport;
    transactionHash: Hex;
    signers: readonly Address[];
    dropped: { call: MeteredCallRecord; reason: string }[];
  }> {
    const { chain } = this.options;
    const { number: blockNumber, timestamp } = await chain.latestBlock();
    const count = await this.#read<bigint>("epochCount", [], blockNumber);
    if (count > 0n) {
      const last = await this.#read<{ status: number; challengeEndsAt: bigint }>(
        "getEpoch",
        [count],
        blockNumber,
      );
      if (last.status === EpochStatus.Disputed)
        throw new MeterRefusal(409, "epoch_disputed", `epoch ${count} is disputed`);
      if (last.status === EpochStatus.Pending && timestamp < BigInt(last.challengeEndsAt))
        throw new MeterRefusal(
          409,
          "epoch_pending",
          `epoch ${count} is in its challenge window until ${last.challengeEndsAt}`,
        );
    }
    const epoch = BigInt(count) + 1n;
    const calls = [...(await this.unsettledCalls(blockNumber)), ...(await this.#peerCalls(blockNumber))];
    const built = await this.build(epoch, blockNumber, calls, "lenient");
    for (const { call, reason } of built.dropped)
      this.options.logger.warn(
        { requester: call.requester, keeper: call.keeper, reason },
        "metered call left out",
      );
    const document: EpochDocument = {
      version: 1,
      epoch: epoch.toString(),
      blockNumber: blockNumber.toString(),
      calls: built.calls.map(meteredCallToJson),
      tree: built.tree.toJSON(),
    };
    const { hash } = await this.options.gateway.putBlob(JSON.stringify(document));
    const report: EpochReport = { ...built.report, dataURI: `blob:${hash}` };
    const signatures = [await this.#sign(report)];
    const replies = await Promise.all(this.options.peers.map((peer) => this.#askCosign(peer, report)));
    for (const reply of replies) if (reply) signatures.push(reply);
    const chosen = await this.#quorumOf(signatures);
    const { hash: transactionHash, signers } = await submitEpoch(chain.wallet, {
      contracts: { UsageLedger: this.options.ledger },
      report,
      voucherSignatures: built.voucherSignatures,
      signatures: sortSignatures(chosen),
    });
    this.options.logger.info(
      { epoch: String(epoch), calls: String(report.calls), spend: String(report.spend), root: report.root },
      "epoch submitted",
    );
    return { epoch, report, transactionHash, signers, dropped: built.dropped };
  }

  /**
   * A peer's check before it co-signs an epoch report: the published calls rebuild exactly this
   * report (every call's voucher, price and attribution checked), and none of this keeper's own
   * unsettled calls served by the epoch's block is left out.
   */
  async cosign(report: EpochReport): Promise<{ signer: Address; signature: Hex }> {
    const document = await this.#loadDocument(report.dataURI);
    if (BigInt(document.epoch) !== report.epoch) {
      throw new MeterRefusal(422, "epoch_mismatch", `the published calls are for epoch ${document.epoch}`);
    }
    const blockNumber = BigInt(document.blockNumber);
    const { number: head } = await this.options.chain.latestBlock();
    if (blockNumber > head)
      throw new MeterRefusal(422, "block_in_future", `block ${blockNumber} is ahead of the chain`);
    const calls = document.calls as unknown as MeteredCallRecord[];
    const built = await this.build(report.epoch, blockNumber, calls, "strict");
    const rebuilt: EpochReport = { ...built.report, dataURI: report.dataURI };
    const domain = { chainId: this.options.chain.chainId, ledger: this.options.ledger };
    if (hashEpochReport({ ...domain, report: rebuilt }) !== hashEpochReport({ ...domain, report })) {
      throw new MeterRefusal(
        422,
        "epoch_mismatch",
        `the published calls give root ${rebuilt.root}, total ${rebuilt.cumulativeTotal}, spend ${rebuilt.spend}; the report says root ${report.root}, total ${report.cumulativeTotal}, spend ${report.spend}`,
      );
    }
    const included = new Set(calls.map((c) => c.signature.toLowerCase()));
    const missing = (await this.unsettledCalls(blockNumber)).filter(
      (c) => !included.has(c.signature.toLowerCase()),
    );
    if (missing.length > 0) {
      throw new MeterRefusal(
        422,
        "epoch_omits_calls",
        `the report leaves out ${missing.length} call(s) this keeper served by block ${blockNumber}`,
      );
    }
    return this.#sign(report);
  }

  /** What an earner claims with: its cumulative earnings and proof in the claimable root. */
  async proof(account: Address) {
    const [epoch, root] = await this.#read<readonly [bigint, Hex, bigint]>("claimableRoot", []);
    if (BigInt(epoch) === 0n) throw new MeterRefusal(404, "no_claimable_root", "no epoch is claimable yet");
    const { tree } = await this.epochDocument(BigInt(epoch));
    const cumulative = tree.cumulativeOf(account);
    if (cumulative === 0n)
      throw new MeterRefusal(404, "not_an_earner", `${account} earns nothing in epoch ${epoch}'s root`);
    const claimed = await this.#read<bigint>("claimedBy", [account]);
    return {
      epoch: BigInt(epoch),
      root,
      account: getAddress(account),
      cumulative,
      claimed,
      claimable: cumulative > claimed ? cumulative - claimed : 0n,
      proof: tree.proof(account),
    };
  }

  async #sign(report: EpochReport) {
    const signed = await signEpochReport(this.options.account, {
      chainId: this.options.chain.chainId,
      ledger: this.options.ledger,
      report,
    });
    const digest = hashEpochReport({
      chainId: this.options.chain.chainId,
      ledger: this.options.ledger,
      report,
    });
    await this.options.store.recordSigned(report.epoch, digest);
    return signed;
  }

  /** Signatures of active keepers, largest stake first, until both quorums are met. */
  async #quorumOf(signatures: { signer: Address; signature: Hex }[]) {
    const { quorum, stake: quorumStake } = await this.options.chain.signingQuorum();
    const weighed = await Promise.all(
      signatures.map(async (s) => ({ ...s, stake: await this.options.chain.activeStakeOf(s.signer) })),
    );
    const active = weighed.filter((s) => s.stake > 0n).sort((a, b) => (a.stake > b.stake ? -1 : 1));
    let stake = 0n;
    const chosen: { signer: Address; signature: Hex }[] = [];
    for (const s of active) {
      if (chosen.length >= quorum && stake >= quorumStake) break;
      chosen.push({ signer: s.signer, signature: s.signature });
      stake += s.stake;
    }
    if (chosen.length < quorum || stake < quorumStake) {
      throw new MeterRefusal(
        503,
        "below_quorum",
        `${chosen.length} active signer(s) holding ${stake}; the ledger wants ${quorum} holding ${quorumStake}`,
      );
    }
    return chosen;
  }

  async #peerCalls(blockNumber: bigint): Promise<MeteredCallRecord[]> {
    const lists = await Promise.all(
      this.options.peers.map(async (peer) => {
        try {
          const response = await fetch(`${peer}/ledger/calls?block=${blockNumber}`, {
            signal: AbortSignal.timeout(this.options.timeoutMs),
          });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          const body = z.object({ calls: z.array(meteredCallJsonSchema) }).parse(await response.json());
          return body.calls as MeteredCallRecord[];
        } catch (error) {
          // A peer that does not answer keeps its calls for a later epoch: its vouchers stay valid.
          this.options.logger.warn(
            { peer, err: (error as Error).message },
            "peer's metered calls unavailable",
          );
          return [];
        }
      }),
    );
    return lists.flat();
  }

  async #askCosign(peer: string, report: EpochReport) {
    try {
      const response = await fetch(`${peer}/ledger/epochs/cosign`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ report: epochReportToJson(report) }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const body = (await response.json()) as {
        signer?: Address;
        signature?: Hex;
        error?: { code: string; message: string };
      };
      if (!response.ok || !body.signer || !body.signature) {
        this.options.logger.warn(
          { peer, status: response.status, error: body.error },
          "peer refused the epoch",
        );
        return undefined;
      }
      const digest = hashEpochReport({
        chainId: this.options.chain.chainId,
        ledger: this.options.ledger,
        report,
      });
      const signer = await recoverAddress({ hash: digest, signature: body.signature }).catch(() => undefined);
      if (!signer || !isAddressEqual(signer, body.signer)) return undefined;
      return { signer: getAddress(body.signer), signature: body.signature };
    } catch (error) {
      this.options.logger.warn({ peer, err: (error as Error).message }, "co-sign request failed");
      return undefined;
    }
  }
}
