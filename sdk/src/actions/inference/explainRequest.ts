import type { Chain, Client, Hex, Transport } from "viem";
import { getContractEvents } from "viem/actions";
import { BaseError } from "../../errors/base.js";
import { inferenceMarketAbi } from "../../generated/abis.js";
import { HttpRequestError, type HttpRequestErrorType, type HttpRequestParameters } from "../../utils/http.js";
import { type BlobHashMismatchError, getPublicBlob } from "../gateway/getPublicBlob.js";
import { getKeeperAttribution, type KeeperAttribution } from "../keepers/getKeeperAttribution.js";
import { type GetKeeperRequestReturnType, getKeeperRequest } from "../keepers/getKeeperRequest.js";
import {
  type GetRequestPayoutErrorType,
  type GetRequestPayoutParameters,
  getRequestPayout,
  type RequestPayout,
} from "./getRequestPayout.js";

export type ExplainRequestParameters = GetRequestPayoutParameters &
  HttpRequestParameters & {
    /** Base URL of the data gateway that holds the request's input and output. */
    gatewayUrl: string;
    /** Base URL of a keeper, for the spans and passages behind the attribution and its view of the request. */
    keeperUrl?: string | undefined;
  };

export type ExplainRequestReturnType = RequestPayout & {
  /** The question: the request's input from the gateway (undefined when the gateway does not hold it). */
  input: string | undefined;
  /** The model's answer, checked against the report's `outputHash`; undefined until reported. */
  output: string | undefined;
  /**
   * Why the answer credits whom it does, from the keeper and checked against the chain and the
   * output: spans of the output found in each contribution, the passages retrieved for the question
   * and the fraction of the answer each attributed contribution explains. Undefined without
   * `keeperUrl` or before a report.
   */
  attribution:
    | (Pick<KeeperAttribution, "spans" | "passages" | "outputTokens"> & {
        fractions: Map<bigint, number>;
      })
    | undefined;
  /** The keeper's view of the request (phase, why it is unanswerable); undefined without `keeperUrl`
   * or when that keeper never saw the request. */
  keeper: GetKeeperRequestReturnType | undefined;
};
export type ExplainRequestErrorType =
  | GetRequestPayoutErrorType
  | HttpRequestErrorType
  | BlobHashMismatchError
  | KeeperAttributionMismatchError;

/** A keeper's account of an answer disagrees with the chain or with the output itself. */
export class KeeperAttributionMismatchError extends BaseError {
  override name = "KeeperAttributionMismatchError";
}

/**
 * Everything about one inference request in one call: the question and the answer, the accepted
 * report's attributions with each contributor's payee and weight, the fee split in OPEN wei
 * (treasury, executor keeper, model owners, contributors, datanet owners for the unattributed data
 * share) and, from a keeper, the spans of the answer each contribution matched and the passages
 * retrieved for the question. The output must hash to the on-chain `outputHash`, the keeper's
 * weights must equal the on-chain ones and every span must be a slice of the output.
 *
 * @example
 * const answer = await explainRequest(client, { contracts, requestId, gatewayUrl, keeperUrl })
 * answer.output                    // "The Nile is the longest river in Africa..."
 * answer.split?.contributors       // [{ contributionId, payee, weightBps, amount }]
 * answer.attribution?.spans        // [{ text, charStart, charEnd, contributionIds }]
 * answer.keeper?.unanswerable      // { reason } while a keeper cannot answer it
 */
export async function explainRequest(
  client: Client<Transport, Chain | undefined>,
  parameters: ExplainRequestParameters,
): Promise<ExplainRequestReturnType> {
  const { contracts, requestId, fromBlock = 0n, gatewayUrl, keeperUrl, timeoutMs, signal } = parameters;
  const http = { timeoutMs, signal };
  const [payout, input, keeper] = await Promise.all([
    getRequestPayout(client, { contracts, requestId, fromBlock }),
    inputOf(client, parameters),
    keeperUrl === undefined
      ? undefined
      : getKeeperRequest({ url: keeperUrl, requestId, ...http }).catch((error: unknown) => {
          if (error instanceof HttpRequestError && error.status === 404) return undefined;
          throw error;
        }),
  ]);
  const result: ExplainRequestReturnType = {
    ...payout,
    input,
    output: undefined,
    attribution: undefined,
    keeper,
  };
  if (payout.report === undefined || payout.declined !== undefined) return result;
  const outputHash = payout.report.outputHash;
  const [{ text: output }, explained] = await Promise.all([
    getPublicBlob({ url: gatewayUrl, hash: outputHash, ...http }),
    keeperUrl === undefined ? undefined : getKeeperAttribution({ url: keeperUrl, requestId, ...http }),
  ]);
  result.output = output;
  if (explained !== undefined) {
    verifyKeeperAttribution({ keeper: explained, output, outputHash, attributions: payout.attributions });
    result.attribution = {
      spans: explained.spans,
      passages: explained.passages,
      outputTokens: explained.outputTokens,
      fractions: new Map(explained.attributions.map((a) => [a.contributionId, a.fraction])),
    };
  }
  return result;
}

export type VerifyKeeperAttributionErrorType = KeeperAttributionMismatchError;

/**
 * Checks a keeper's account of an answer: same output hash and text, the on-chain weights, and
 * every span a slice of the output at the place it names. Throws {@link KeeperAttributionMismatchError}.
 *
 * @example
 * verifyKeeperAttribution({ keeper, output, outputHash: report.outputHash, attributions })
 */
export function verifyKeeperAttribution({
  keeper,
  output,
  outputHash,
  attributions,
}: {
  keeper: KeeperAttribution;
  output: string;
  outputHash: Hex;
  attributions: readonly { contributionId: bigint; weightBps: number }[];
}): void {
  const fail = (what: string) => {
    throw new KeeperAttributionMismatchError(
      `The keeper's attribution of request ${keeper.requestId} ${what}.`,
    );
  };
  if (keeper.outputHash.toLowerCase() !== outputHash.toLowerCase()) {
    fail(`is for output ${keeper.outputHash}, the accepted report names ${outputHash}`);
  }
  if (keeper.output !== output) fail("quotes an output other than the one on the gateway");
  const weights = (list: readonly { contributionId: bigint; weightBps: number }[]) =>
    list.map((a) => `${a.contributionId}:${a.weightBps}`).join(",");
  if (weights(keeper.attributions) !== weights(attributions)) {
    fail(`has weights ${weights(keeper.attributions)}, the chain ${weights(attributions)}`);
  }
  for (const span of keeper.spans) {
    const placed =
      Number.isInteger(span.charStart) &&
      Number.isInteger(span.charEnd) &&
      span.charStart >= 0 &&
      span.charStart < span.charEnd &&
      span.charEnd <= output.length &&
      output.slice(span.charStart, span.charEnd) === span.text &&
      span.start >= 0 &&
      span.start < span.end &&
      span.end <= keeper.outputTokens;
    if (!placed)
      fail(`has a span "${span.text}" that is not the output at [${span.charStart}, ${span.charEnd})`);
  }
}

async function inputOf(
  client: Client<Transport, Chain | undefined>,
  { contracts, requestId, fromBlock = 0n, gatewayUrl, timeoutMs, signal }: ExplainRequestParameters,
): Promise<string | undefined> {
  const [requested] = await getContractEvents(client, {
    address: contracts.InferenceMarket,
    abi: inferenceMarketAbi,
    eventName: "InferenceRequested",
    args: { requestId },
    fromBlock,
    strict: true,
  });
  if (requested === undefined) return undefined;
  try {
    return (await getPublicBlob({ url: gatewayUrl, hash: requested.args.inputHash, timeoutMs, signal })).text;
  } catch (error) {
    if (error instanceof HttpRequestError && error.status !== undefined && error.status < 500)
      return undefined;
    throw error;
  }
}
