import { useCallback, useEffect } from "react";
import { Client, cacheExchange, fetchExchange, type UseQueryResponse, useQuery } from "urql";

/** The indexer's GraphQL, through the app server (same origin). */
export const graphqlUrl = "/api/indexer/graphql";

export const indexerClient = new Client({
  url: graphqlUrl,
  exchanges: [cacheExchange, fetchExchange],
  requestPolicy: "cache-and-network",
  // The indexer answers GET /graphql with its playground page; queries go as POST.
  preferGetMethod: false,
});

/**
 * A GraphQL query that stays current: run again every `intervalMs` (the indexer follows the chain
 * block by block) and on `refresh()`, e.g. after a transaction.
 */
export function useLiveQuery<T>(
  query: string,
  variables: Record<string, unknown> = {},
  intervalMs = 3000,
): [UseQueryResponse<T>[0], () => void] {
  const [result, reexecute] = useQuery<T>({ query, variables });
  const refresh = useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]);
  useEffect(() => {
    const timer = setInterval(refresh, intervalMs);
    return () => clearInterval(timer);
  }, [refresh, intervalMs]);
  return [result, refresh];
}

/** A REST route of the indexer (`/requests/:id`, `/leaderboard/contributors`, ...). */
export async function indexerGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(`/api/indexer${path}`, { signal });
  const body = (await response.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!response.ok || body === null) {
    throw new Error(body?.error?.message ?? `the indexer answered ${response.status} for ${path}`);
  }
  return body;
}

/** An amount as the indexer's REST routes write it. */
export type OpenAmount = { wei: string; open: string } | null;

export type Page<T> = { items: T[] };
