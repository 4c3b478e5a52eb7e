import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { Stack, Text, Title } from "@mantine/core";
import { GraphiQL } from "graphiql";
import { graphqlUrl } from "../indexer.js";

/** What the IDE opens with: a query over real indexed data that a newcomer can run as it is. */
export const DEFAULT_QUERY = `# The indexer's GraphQL: every contract event of the network, as tables.
# Press the run button (or Ctrl-Enter); the docs explorer on the left lists every table and field.
query Datanets {
  datanets(orderBy: "id", orderDirection: "asc", limit: 10) {
    items {
      id
      owner
      contributionCount
      acceptedCount
      attributedRevenue
    }
  }
  keepers(orderBy: "reportsExecuted", orderDirection: "desc", limit: 10) {
    items {
      address
      status
      reportsExecuted
    }
  }
}
`;

type GraphQLParams = { query: string; variables?: unknown; operationName?: string | null };

/** POSTs to the indexer through the app server, as the rest of the app does. */
async function fetcher(params: GraphQLParams, options?: { headers?: Record<string, string> }) {
  const response = await fetch(graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...options?.headers },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { errors: [{ message: `the indexer answered ${response.status}: ${text.slice(0, 200)}` }] };
  }
}

/**
 * GraphiQL over the indexer, bundled with the app (editor, workers and styles), so it works
 * without reaching any other host. Lazy-loaded: the editor stays out of the main bundle.
 */
export function GraphQLPage() {
  return (
    <Stack h="calc(100dvh - 56px - 2 * var(--mantine-spacing-md))" gap="xs">
      <Title order={2}>GraphQL</Title>
      <Text size="sm" c="dimmed">
        Query the indexer directly: datanets, contributions, models, requests, reports, attributions and
        earnings, as apps built on the network read them.
      </Text>
      <div style={{ flex: 1, minHeight: 480, border: "1px solid var(--mantine-color-gray-3)" }}>
        <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} forcedTheme="light" />
      </div>
    </Stack>
  );
}
