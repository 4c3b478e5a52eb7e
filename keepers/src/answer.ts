import {
  ATTRIBUTION_VERSION,
  answerRecipe,
  Bm25Index,
  computeAttribution,
  decodeText,
  type Passage,
  type RetrievedPassage,
  type SpanIndex,
  SpanIndexBuilder,
} from "@payable-ai/attribution";
import {
  type AttributionReport,
  BaseError,
  type GatewayClient,
  loadTrainingManifest,
  toJson,
} from "@payable-ai/sdk";
import type { Logger } from "pino";
import { type Address, type Hex, zeroHash } from "viem";
import { type AcceptedSnapshot, listSnapshot } from "./acceptedSet.js";
import type { ContributionInfo, KeeperChain, ModelInfo, RequestEvent } from "./chain.js";
import { sameAnswer } from "./protocol.js";
import type { InferenceClient } from "./services.js";

/** Everything the attribution of one request depends on, fixed by the request's block. */
export type AnswerContext = {
  request: RequestEvent;
  model: ModelInfo;
  question: string;
  passages: RetrievedPassage[];
  prompt: string;
  bm25: Bm25Index | undefined;
  spanIndex: SpanIndex | undefined;
  maxAttributions: number;
};

/**
 * A request the keepers cannot answer. `declinable` when the reason follows from the chain and
 * the gateway at the request's block (every keeper finds the same): the keepers then decline it
 * with a quorum-signed report, and the requester is refunded once it is finalized. A reason of
 * one keeper's own services (its inference node lacks the adapter) is not declinable.
 */
export class UnanswerableError extends BaseError {
  override name = "UnanswerableError";
  constructor(
    message: string,
    readonly declinable = true,
  ) {
    super(message);
  }
}

/** The `outputHash` of a report that declines its request. */
export const DECLINED_OUTPUT_HASH = zeroHash;

/** Longest reason put in a decline's `outputURI`, in characters. */
const MAX_DECLINE_REASON = 300;

export function isDecline(report: AttributionReport): boolean {
  return report.outputHash.toLowerCase() === DECLINED_OUTPUT_HASH;
}

/** The report declining `request` for `reason`: no output, no attributions, the reason in `outputURI`. */
export function declineReport(
  request: RequestEvent,
  executor: Address,
  reason: string,
  round = 0,
): AttributionReport {
  return {
    requestId: request.requestId,
    round,
    modelId: request.modelId,
    outputHash: DECLINED_OUTPUT_HASH,
    outputURI: `unanswerable:${reason.slice(0, MAX_DECLINE_REASON)}`,
    executor,
    attributionVersion: ATTRIBUTION_VERSION,
    attributions: [],
  };
}

const encoder = new TextEncoder();

/**
 * Turns a request into an answer and its attribution, and checks other keepers' answers. The
 * context (model, accepted contributions, retrieval) is read at the request's block, so every
 * keeper rebuilds the same one whenever it looks.
 */
export class AnswerBuilder {
  #texts = new Map<string, string>();
  #manifests = new Map<Hex, Map<bigint, string>>();
  #indexes = new Map<string, Promise<{ bm25: Bm25Index; spanIndex: SpanIndex | undefined }>>();

  constructor(
    readonly chain: KeeperChain,
    readonly gateway: GatewayClient,
    readonly inference: InferenceClient,
    readonly logger: Logger,
  ) {}

  async context(request: RequestEvent): Promise<AnswerContext> {
    const model = await this.chain.getModel(request.modelId, request.blockNumber);
    if (model.isComposite) {
      throw new UnanswerableError(
        `model ${request.modelId} is a composite; keepers serve plain adapter models`,
      );
    }
    const question = decodeText(await this.gateway.getBlob(request.inputHash));
    const [accepted, maxAttributions] = await Promise.all([
      this.#accepted(model.datanetIds, request.blockNumber),
      this.chain.maxAttributions(request.blockNumber),
    ]);
    const manifest = await this.#manifestOf(model);
    // The manifest is checked against the model's root, so the root names it.
    const key = `${accepted.key}|${manifest === undefined ? "all" : model.manifestRoot.toLowerCase()}`;
    const indexes = accepted.count === 0 ? undefined : await this.#indexesFor(key, accepted, manifest);
    const retrieved = indexes ? indexes.bm25.retrieve(question, answerRecipe.ragTopK) : [];
    const prompt = promptOf(question);
    return {
      request,
      model,
      question,
      passages: retrieved,
      prompt,
      bm25: indexes?.bm25,
      spanIndex: indexes?.spanIndex,
      maxAttributions,
    };
  }

  /** Runs the model, stores the output in the gateway and builds the (unsigned) report. */
  async answer(
    context: AnswerContext,
    executor: Address,
    round = 0,
  ): Promise<{ report: AttributionReport; output: string }> {
    const adapter = await this.inference.adapterIdFor(context.model.modelId, context.model.adapterHash);
    if (adapter === undefined) {
      throw new UnanswerableError(
        `the inference node has no adapter with hash ${context.model.adapterHash} (model ${context.model.modelId})`,
        false,
      );
    }
    const output = await this.inference.chat({
      model: adapter,
      message: context.prompt,
      maxTokens: answerRecipe.maxOutputTokens,
      temperature: answerRecipe.temperature,
      seed: answerRecipe.seed,
      requestId: `request-${context.request.requestId}`,
    });
    const bytes = encoder.encode(output);
    const { hash: outputHash } = await this.gateway.putBlob(bytes);
    // Attribute the stored bytes as a peer will read them, not the string as received.
    const { attributionVersion, attributions } = this.attribute(context, decodeText(bytes));
    return {
      output,
      report: {
        requestId: context.request.requestId,
        round,
        modelId: context.request.modelId,
        outputHash,
        outputURI: `blob:${outputHash}`,
        executor,
        attributionVersion,
        attributions,
      },
    };
  }

  attribute(context: AnswerContext, output: string) {
    return computeAttribution({
      output,
      spanIndex: context.spanIndex,
      rag: context.bm25 ? { index: context.bm25, passages: context.passages } : undefined,
      options: { maxAttributions: context.maxAttributions },
    });
  }

  /**
   * A peer's check before co-signing: fetch the request's event and the output the report
   * names, rebuild the context, recompute the attribution and compare. Returns the reason
   * when the report is not the one this keeper would sign.
   */
  async verify(report: AttributionReport, fromBlock: bigint): Promise<string | undefined> {
    const request = await this.chain.requestEvent(report.requestId, fromBlock);
    if (request === undefined) return `request ${report.requestId} was never made`;
    if (request.modelId !== report.modelId) {
      return `request ${report.requestId} is for model ${request.modelId}, not ${report.modelId}`;
    }
    if (isDecline(report)) return this.#verifyDecline(report, request);
    const context = await this.context(request);
    const output = decodeText(await this.gateway.getBlob(report.outputHash));
    const recomputed = this.attribute(context, output);
    const expected: AttributionReport = { ...report, ...recomputed, attributions: recomputed.attributions };
    if (!sameAnswer(report, expected)) {
      return `attribution differs: reported ${toJson(report.attributions)} (v${report.attributionVersion}), recomputed ${toJson(recomputed.attributions)} (v${recomputed.attributionVersion})`;
    }
    return undefined;
  }

  /** A decline is co-signed only by a keeper that also finds the request unanswerable, for a declinable reason. */
  async #verifyDecline(report: AttributionReport, request: RequestEvent): Promise<string | undefined> {
    if (report.attributions.length > 0) return "a decline carries no attributions";
    try {
      await this.context(request);
    } catch (error) {
      if (error instanceof UnanswerableError && error.declinable) return undefined;
      throw error;
    }
    return `request ${report.requestId} can be answered: this keeper builds its context, so it does not sign a decline`;
  }

  /**
   * The model's training manifest (contribution id → content hash) when its metadata names one:
   * `{"trainingManifest": "blob:0x<sha256>"}` in a `data:application/json,` or `blob:` metadata
   * URI, the blob being `TrainingManifest.toJSON()` whose root must be the model's on-chain
   * `manifestRoot`. Undefined when the metadata names none.
   */
  async #manifestOf(model: ModelInfo): Promise<Map<bigint, string> | undefined> {
    const metadata = await this.#json(model.metadataURI);
    const reference = (metadata as { trainingManifest?: unknown } | undefined)?.trainingManifest;
    if (reference === undefined) return undefined;
    const hash = typeof reference === "string" ? blobHashOf(reference) : undefined;
    if (hash === undefined) {
      throw new UnanswerableError(`model ${model.modelId}: trainingManifest must be "blob:0x<sha256>"`);
    }
    let manifest = this.#manifests.get(hash);
    if (manifest === undefined) {
      const loaded = loadTrainingManifest(JSON.parse(decodeText(await this.gateway.getBlob(hash))));
      if (loaded.root.toLowerCase() !== model.manifestRoot.toLowerCase()) {
        throw new UnanswerableError(
          `model ${model.modelId}: training manifest ${hash} has root ${loaded.root}, the model registers ${model.manifestRoot}`,
        );
      }
      manifest = new Map(loaded.entries.map((e) => [e.contributionId, e.contentHash.toLowerCase()]));
      this.#manifests.set(hash, manifest);
    }
    return manifest;
  }

  async #json(uri: string): Promise<unknown> {
    const prefix = "data:application/json,";
    try {
      if (uri.startsWith(prefix)) return JSON.parse(decodeURIComponent(uri.slice(prefix.length)));
      const hash = blobHashOf(uri);
      if (hash !== undefined) return JSON.parse(decodeText(await this.gateway.getBlob(hash)));
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof URIError) return undefined;
      throw error;
    }
    return undefined;
  }

  /** The accepted set at a block; an in-memory chain without one offers only the list. */
  async #accepted(datanetIds: readonly bigint[], blockNumber: bigint): Promise<AcceptedSnapshot> {
    if (typeof this.chain.acceptedContributionSet === "function") {
      return this.chain.acceptedContributionSet(datanetIds, blockNumber);
    }
    return listSnapshot(await this.chain.acceptedContributions(datanetIds, blockNumber));
  }

  /**
   * The indexes of one accepted set and manifest, keyed by what fixes them (the datanets, their
   * last acceptance, the manifest root) so that a request pays no pass over the passages.
   */
  #indexesFor(key: string, accepted: AcceptedSnapshot, manifest: ReadonlyMap<bigint, string> | undefined) {
    let cached = this.#indexes.get(key);
    if (cached === undefined) {
      cached = this.#buildIndexes(accepted.contributions(), manifest);
      cached.catch(() => this.#indexes.delete(key));
      // A handful of models per keeper in practice; keep the most recent few.
      if (this.#indexes.size >= 8) this.#indexes.delete(this.#indexes.keys().next().value as string);
      this.#indexes.set(key, cached);
    }
    return cached;
  }

  async #buildIndexes(
    contributions: readonly ContributionInfo[],
    manifest: ReadonlyMap<bigint, string> | undefined,
  ) {
    const passages: Passage[] = [];
    const trained = new Set<bigint>();
    for (const c of contributions) {
      if (manifest === undefined || manifest.get(c.contributionId) === c.contentHash.toLowerCase()) {
        trained.add(c.contributionId);
      }
      const key = c.contentHash.toLowerCase();
      let text = this.#texts.get(key);
      if (text === undefined) {
        text = decodeText(
          (await this.gateway.readContribution(c.datanetId, c.contributionId, c.contentHash)).bytes,
        );
        this.#texts.set(key, text);
      }
      passages.push({ contributionId: c.contributionId, text, uri: c.uri });
    }
    // Spans: the training data; retrieval: every accepted contribution of the datanets.
    const builder = new SpanIndexBuilder();
    for (const p of passages) if (trained.has(p.contributionId)) builder.add(p.contributionId, p.text);
    return { bm25: new Bm25Index(passages), spanIndex: trained.size > 0 ? builder.build() : undefined };
  }
}

/**
 * The user message the model is asked: the request's input, trimmed. Models of the network are
 * fine-tuned on their datanet's questions and answers in the inference node's chat format, so they
 * are asked the question alone; retrieval still runs over the datanet for the citation part of the
 * attribution and to show the passages related to the question.
 */
export function promptOf(question: string): string {
  const prompt = question.trim();
  if (encoder.encode(prompt).length > answerRecipe.maxPromptBytes) {
    throw new UnanswerableError(`the input is too long: it exceeds ${answerRecipe.maxPromptBytes} bytes`);
  }
  if (prompt.length === 0) throw new UnanswerableError("the input is empty");
  return prompt;
}

/** `blob:0x<sha256>` or `blob:<sha256>` → the content hash; anything else → undefined. */
function blobHashOf(uri: string): Hex | undefined {
  const match = /^blob:(?:0x)?([0-9a-fA-F]{64})$/.exec(uri.trim());
  return match ? (`0x${(match[1] as string).toLowerCase()}` as Hex) : undefined;
}
