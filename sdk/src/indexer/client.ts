import type { Address } from "viem";
import { BaseError } from "../errors/base.js";

export class IndexerRequestError extends BaseError {
  override name = "IndexerRequestError";
  readonly status: number | undefined;
  constructor(
    message: string,
    { status, details, cause }: { status?: number; details?: string; cause?: unknown },
  ) {
    super(message, { details, cause });
    this.status = status;
  }
}

export type IndexerParameters = {
  /** Base URL of the indexer, e.g. `http://127.0.0.1:42069`. */
  url: string;
  signal?: AbortSignal | undefined;
};

async function getJson<T>({ url, signal }: IndexerParameters, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, url), { signal });
  } catch (cause) {
    throw new IndexerRequestError(`The indexer at ${url} is unreachable.`, { cause });
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!response.ok) {
    throw new IndexerRequestError(`GET ${path} failed with ${response.status}.`, {
      status: response.status,
      details: body.error?.message,
    });
  }
  return body;
}

/**
 * Runs a GraphQL query against the indexer's `/graphql`; GraphQL errors are thrown.
 *
 * @example
 * const { datanet } = await queryIndexer<{ datanet: { acceptedCount: number } }>({ url }, {
 *   query: "query ($id: BigInt!) { datanet(id: $id) { acceptedCount } }",
 *   variables: { id: "1" },
 * })
 */
export async function queryIndexer<T>(
  { url, signal }: IndexerParameters,
  { query, variables = {} }: { query: string; variables?: Record<string, unknown> },
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL("/graphql", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (cause) {
    throw new IndexerRequestError(`The indexer at ${url} is unreachable.`, { cause });
  }
  const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !response.ok || body.data === undefined) {
    throw new IndexerRequestError("GraphQL query failed.", {
      status: response.status,
      details: body.errors?.map((e) => e.message).join("; "),
    });
  }
  return body.data;
}

export type ContributorRank = {
  rank: number;
  address: Address;
  earnedData: bigint;
  earnedTotal: bigint;
  contributionCount: number;
  acceptedCount: number;
};

/**
 * Contributors ranked by what their data earned.
 *
 * @example
 * const top = await getContributorLeaderboard({ url, limit: 10 })
 */
export async function getContributorLeaderboard(
  parameters: IndexerParameters & { limit?: number | undefined },
): Promise<ContributorRank[]> {
  const { contributors } = await getJson<{ contributors: Record<string, string | number>[] }>(
    parameters,
    `/leaderboard/contributors?limit=${parameters.limit ?? 20}`,
  );
  return contributors.map((c) => ({
    rank: Number(c.rank),
    address: c.address as Address,
    earnedData: BigInt(c.earnedData ?? 0),
    earnedTotal: BigInt(c.earnedTotal ?? 0),
    contributionCount: Number(c.contributionCount),
    acceptedCount: Number(c.acceptedCount),
  }));
}

export type AccountEarnings = {
  address: Address;
  data: bigint;
  model: bigint;
  keeper: bigint;
  protocol: bigint;
  total: bigint;
  credited: bigint;
  claimed: bigint;
  unclaimed: bigint;
};

/**
 * An account's earnings by source (data, model, keeper, protocol) and its claims.
 *
 * @example
 * const { data, model, unclaimed } = await getAccountEarnings({ url, account })
 */
export async function getAccountEarnings(
  parameters: IndexerParameters & { account: Address },
): Promise<AccountEarnings> {
  const body = await getJson<Record<string, string>>(parameters, `/accounts/${parameters.account}/earnings`);
  const amount = (key: string) => BigInt(body[key] ?? 0);
  return {
    address: body.address as Address,
    data: amount("data"),
    model: amount("model"),
    keeper: amount("keeper"),
    protocol: amount("protocol"),
    total: amount("total"),
    credited: amount("credited"),
    claimed: amount("claimed"),
    unclaimed: amount("unclaimed"),
  };
}

export type ModelStats = {
  id: bigint;
  owner: Address;
  requestCount: number;
  finalizedCount: number;
  refundedCount: number;
  feeVolume: bigint;
  modelRevenue: bigint;
  split: { treasury: bigint; executors: bigint; model: bigint; attributed: bigint; unattributed: bigint };
};

/**
 * Usage and revenue of one model and the split of its finalized fees.
 *
 * @example
 * const { requestCount, feeVolume } = await getModelStats({ url, modelId: 1n })
 */
export async function getModelStats(
  parameters: IndexerParameters & { modelId: bigint },
): Promise<ModelStats> {
  const body = await getJson<Record<string, unknown> & { split: Record<string, string> }>(
    parameters,
    `/models/${parameters.modelId}/stats`,
  );
  const split = (key: string) => BigInt(body.split[key] ?? 0);
  return {
    id: BigInt(body.id as string),
    owner: body.owner as Address,
    requestCount: Number(body.requestCount),
    finalizedCount: Number(body.finalizedCount),
    refundedCount: Number(body.refundedCount),
    feeVolume: BigInt(body.feeVolume as string),
    modelRevenue: BigInt(body.modelRevenue as string),
    split: {
      treasury: split("treasury"),
      executors: split("executors"),
      model: split("model"),
      attributed: split("attributed"),
      unattributed: split("unattributed"),
    },
  };
}

export type DatanetStats = {
  id: bigint;
  owner: Address;
  contributionCount: number;
  acceptedCount: number;
  accessGrantCount: number;
  accessRevenue: bigint;
  dataRevenue: bigint;
  topContributors: { payee: Address; earned: bigint }[];
};

/**
 * A datanet's contributions, access and data revenue, with its top earning contributors.
 *
 * @example
 * const { dataRevenue, topContributors } = await getDatanetStats({ url, datanetId: 1n })
 */
export async function getDatanetStats(
  parameters: IndexerParameters & { datanetId: bigint; limit?: number | undefined },
): Promise<DatanetStats> {
  const body = await getJson<
    Record<string, unknown> & { topContributors: { payee: string; earned: string }[] }
  >(parameters, `/datanets/${parameters.datanetId}/stats?limit=${parameters.limit ?? 20}`);
  return {
    id: BigInt(body.id as string),
    owner: body.owner as Address,
    contributionCount: Number(body.contributionCount),
    acceptedCount: Number(body.acceptedCount),
    accessGrantCount: Number(body.accessGrantCount),
    accessRevenue: BigInt(body.accessRevenue as string),
    dataRevenue: BigInt(body.dataRevenue as string),
    topContributors: body.topContributors.map((t) => ({
      payee: t.payee as Address,
      earned: BigInt(t.earned),
    })),
  };
}
