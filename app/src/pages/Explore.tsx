import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { type ReactNode, useEffect, useState } from "react";
import { Link } from "react-router";
import { Empty, ErrorText, Loading } from "../components/feedback.js";
import { AddressText, HashText, Open, UriLink } from "../components/values.js";
import { formatBps, formatTime } from "../format.js";
import { indexerGet, type OpenAmount, type Page, useLiveQuery } from "../indexer.js";
import { nameOf, parseMetadata } from "../metadata.js";

type DatanetRow = {
  id: string;
  owner: string;
  metadataUri: string;
  contributionBond: string;
  accessFee: string;
  contributionCount: number;
  acceptedCount: number;
  accessGrantCount: number;
  attributedRevenue: string;
  remainderRevenue: string;
};

export const DATANETS_QUERY = `query { datanets(orderBy: "id", orderDirection: "asc", limit: 100) { items {
  id owner metadataUri contributionBond accessFee contributionCount acceptedCount accessGrantCount attributedRevenue remainderRevenue
} } }`;

export function DatanetCards() {
  const [{ data, fetching, error }] = useLiveQuery<{ datanets: Page<DatanetRow> }>(DATANETS_QUERY);
  if (error && !data) return <ErrorText error={`The indexer could not be read: ${error.message}`} />;
  if (fetching && !data) return <Loading what="datanets" />;
  const rows = data?.datanets.items ?? [];
  if (rows.length === 0) return <Empty>No datanet yet. Create one on the Datanets page.</Empty>;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} data-testid="datanets">
      {rows.map((d) => {
        const meta = parseMetadata(d.metadataUri);
        return (
          <Card key={d.id} withBorder data-testid={`datanet-${d.id}`}>
            <Group justify="space-between" wrap="nowrap">
              <Anchor component={Link} to={`/datanets/${d.id}`} fw={600}>
                {nameOf("Datanet", d.id, d.metadataUri)}
              </Anchor>
              <Badge variant="light">#{d.id}</Badge>
            </Group>
            {meta?.description && (
              <Text size="sm" c="dimmed" mt={4}>
                {meta.description}
              </Text>
            )}
            <Table mt="xs" fz="sm" withRowBorders={false} verticalSpacing={2}>
              <Table.Tbody>
                <Table.Tr>
                  <Table.Td>Contributions</Table.Td>
                  <Table.Td>
                    {d.acceptedCount} accepted of {d.contributionCount}
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Bond</Table.Td>
                  <Table.Td>
                    <Open wei={d.contributionBond} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Access fee</Table.Td>
                  <Table.Td>
                    <Open wei={d.accessFee} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Paid to contributors</Table.Td>
                  <Table.Td>
                    <Open wei={d.attributedRevenue} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Owner</Table.Td>
                  <Table.Td>
                    <AddressText address={d.owner} />
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          </Card>
        );
      })}
    </SimpleGrid>
  );
}

export type ModelRow = {
  id: string;
  owner: string;
  isComposite: boolean;
  baseModelId: string | null;
  adapterHash: string | null;
  manifestRoot: string | null;
  datanetIds: string[];
  pricePerRequest: string;
  metadataUri: string;
  status: string;
  requestCount: number;
  finalizedCount: number;
  feeVolume: string;
  modelRevenue: string;
};

export const MODELS_QUERY = `query { models(orderBy: "id", orderDirection: "asc", limit: 100) { items {
  id owner isComposite baseModelId adapterHash manifestRoot datanetIds pricePerRequest metadataUri status
  requestCount finalizedCount feeVolume modelRevenue
} } }`;

/** The model marketplace: one card per registered model. */
export function ModelCards() {
  const [{ data, fetching, error }] = useLiveQuery<{ models: Page<ModelRow> }>(MODELS_QUERY);
  if (error && !data) return <ErrorText error={`The indexer could not be read: ${error.message}`} />;
  if (fetching && !data) return <Loading what="models" />;
  const rows = data?.models.items ?? [];
  if (rows.length === 0) return <Empty>No model registered yet. Fine-tune one in the Model Factory.</Empty>;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} data-testid="models">
      {rows.map((m) => {
        const meta = parseMetadata(m.metadataUri);
        return (
          <Card key={m.id} withBorder data-testid={`model-${m.id}`}>
            <Group justify="space-between" wrap="nowrap">
              <Text fw={600}>{nameOf("Model", m.id, m.metadataUri)}</Text>
              <Badge color={m.status === "active" ? "green" : "gray"} variant="light">
                {m.status}
              </Badge>
            </Group>
            <Table mt="xs" fz="sm" withRowBorders={false} verticalSpacing={2}>
              <Table.Tbody>
                <Table.Tr>
                  <Table.Td>Model</Table.Td>
                  <Table.Td>#{m.id}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Base model</Table.Td>
                  <Table.Td>{m.isComposite ? "composite" : (m.baseModelId ?? "—")}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Datanets</Table.Td>
                  <Table.Td>
                    {m.datanetIds.map((id, i) => (
                      <span key={id}>
                        {i > 0 && ", "}
                        <Anchor component={Link} to={`/datanets/${id}`}>
                          #{id}
                        </Anchor>
                      </span>
                    ))}
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Price</Table.Td>
                  <Table.Td>
                    <Open wei={m.pricePerRequest} testId={`model-${m.id}-price`} /> per request
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Usage</Table.Td>
                  <Table.Td>
                    {m.requestCount} requests, {m.finalizedCount} settled
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Earned by owner</Table.Td>
                  <Table.Td>
                    <Open wei={m.modelRevenue} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Owner</Table.Td>
                  <Table.Td>
                    <AddressText address={m.owner} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Adapter</Table.Td>
                  <Table.Td>
                    <HashText hash={m.adapterHash} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Manifest</Table.Td>
                  <Table.Td>
                    {meta?.trainingManifest ? (
                      <UriLink uri={meta.trainingManifest}>training manifest</UriLink>
                    ) : (
                      <HashText hash={m.manifestRoot} />
                    )}
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
            <Anchor component={Link} to={`/playground?model=${m.id}`} size="sm" mt="xs">
              Ask this model
            </Anchor>
          </Card>
        );
      })}
    </SimpleGrid>
  );
}

type RequestRow = {
  id: string;
  requester: string;
  modelId: string;
  fee: string;
  status: string;
  requestedAt: string;
};

type RequestDetail = {
  input: string | null;
  output: string | null;
  attributions: { contributionId: string; weightBps: number; payee: string | null; amount: OpenAmount }[];
  split: { totals: Record<string, OpenAmount> } | null;
};

function RequestAnswer({ id, status }: { id: string; status: string }) {
  const [detail, setDetail] = useState<RequestDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new status (reported, finalized) means a new answer or split to read
  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    indexerGet<RequestDetail>(`/requests/${id}`, controller.signal)
      .then(setDetail)
      .catch((e: Error) => controller.signal.aborted || setError(e.message));
    return () => controller.abort();
  }, [id, status]);
  if (error) return <ErrorText error={error} />;
  if (!detail) return <Loading what="the answer" />;
  return (
    <Stack gap={4}>
      <Text size="sm">
        <b>Q:</b> {detail.input ?? "—"}
      </Text>
      <Text size="sm" data-testid={`answer-${id}`}>
        <b>A:</b> {detail.output ?? (status === "open" ? "waiting for the keepers" : "—")}
      </Text>
      {detail.attributions.length > 0 ? (
        <Text size="xs" c="dimmed" data-testid={`attributions-${id}`}>
          Attributed to{" "}
          {detail.attributions
            .map(
              (a) =>
                `contribution ${a.contributionId} (${formatBps(a.weightBps)}${a.amount ? `, ${a.amount.open} OPEN` : ""})`,
            )
            .join(", ")}
        </Text>
      ) : (
        detail.output !== null && (
          <Text size="xs" c="dimmed">
            No contribution shaped this answer.
          </Text>
        )
      )}
    </Stack>
  );
}

export function RequestsTable() {
  const [{ data, fetching, error }] = useLiveQuery<{ inferenceRequests: Page<RequestRow> }>(
    `query { inferenceRequests(orderBy: "id", orderDirection: "desc", limit: 25) { items { id requester modelId fee status requestedAt } } }`,
  );
  if (error && !data) return <ErrorText error={`The indexer could not be read: ${error.message}`} />;
  if (fetching && !data) return <Loading what="requests" />;
  const rows = data?.inferenceRequests.items ?? [];
  if (rows.length === 0) return <Empty>No request yet. Ask a model in the Playground.</Empty>;
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table data-testid="requests" verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Request</Table.Th>
            <Table.Th>Model</Table.Th>
            <Table.Th>Fee</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Answer and attribution</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>
                #{r.id}
                <Text size="xs" c="dimmed">
                  {formatTime(r.requestedAt)}
                </Text>
              </Table.Td>
              <Table.Td>#{r.modelId}</Table.Td>
              <Table.Td>
                <Open wei={r.fee} />
              </Table.Td>
              <Table.Td>
                {/* A badge truncates its label to the column; the status is short enough to show whole. */}
                <Badge
                  variant="light"
                  data-testid={`status-${r.id}`}
                  color={r.status === "finalized" ? "green" : "blue"}
                  styles={{ root: { overflow: "visible", flexShrink: 0 }, label: { overflow: "visible" } }}
                >
                  {r.status}
                </Badge>
              </Table.Td>
              <Table.Td>
                <RequestAnswer id={r.id} status={r.status} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

type ContributorRank = {
  rank: number;
  address: string;
  earnedData: string;
  contributionCount: number;
  acceptedCount: number;
};
type KeeperRow = {
  address: string;
  stake: string;
  status: string;
  reportsExecuted: number;
  reportsSigned: number;
};
type AccountRow = { address: string; earnedKeeper: string };

export function Leaderboards() {
  const [contributors, setContributors] = useState<ContributorRank[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    indexerGet<{ contributors: ContributorRank[] }>("/leaderboard/contributors?limit=10")
      .then((r) => setContributors(r.contributors))
      .catch((e: Error) => setError(e.message));
  }, []);
  const [models] = useLiveQuery<{ models: Page<ModelRow> }>(
    `query { models(orderBy: "modelRevenue", orderDirection: "desc", limit: 10) { items { id metadataUri requestCount feeVolume modelRevenue owner } } }`,
  );
  const [keepers] = useLiveQuery<{ keepers: Page<KeeperRow>; accounts: Page<AccountRow> }>(
    `query { keepers(orderBy: "reportsExecuted", orderDirection: "desc", limit: 10) { items { address stake status reportsExecuted reportsSigned } }
      accounts(where: { earnedKeeper_gt: "0" }, orderBy: "earnedKeeper", orderDirection: "desc", limit: 50) { items { address earnedKeeper } } }`,
  );
  const keeperEarned = new Map(
    keepers.data?.accounts.items.map((a) => [a.address.toLowerCase(), a.earnedKeeper]),
  );
  return (
    <SimpleGrid cols={{ base: 1, lg: 3 }}>
      <LeaderboardCard
        title="Contributors"
        testId="leaderboard-contributors"
        what="contributors"
        empty="No contribution has earned yet."
        error={error}
        rows={
          error
            ? undefined
            : contributors?.map((c) => ({
                key: c.address,
                rank: c.rank,
                name: <AddressText address={c.address} />,
                detail: `${c.acceptedCount} accepted contributions`,
                wei: c.earnedData,
              }))
        }
      />
      <LeaderboardCard
        title="Models"
        testId="leaderboard-models"
        what="models"
        empty="No model yet."
        rows={models.data?.models.items.map((m, i) => ({
          key: m.id,
          rank: i + 1,
          name: nameOf("Model", m.id, m.metadataUri),
          detail: `${m.requestCount} requests`,
          wei: m.modelRevenue,
        }))}
      />
      <LeaderboardCard
        title="Keepers"
        testId="leaderboard-keepers"
        what="keepers"
        empty="No keeper has staked."
        rows={keepers.data?.keepers.items.map((k, i) => ({
          key: k.address,
          rank: i + 1,
          name: <AddressText address={k.address} />,
          detail: `${k.reportsExecuted} reports submitted, ${k.reportsSigned} signed`,
          wei: keeperEarned.get(k.address.toLowerCase()) ?? "0",
        }))}
      />
    </SimpleGrid>
  );
}

type LeaderboardRow = { key: string; rank: number; name: ReactNode; detail: string; wei: string };

/** One leaderboard: rank, who (with a line of detail) and what they earned; `rows` undefined while loading. */
function LeaderboardCard(props: {
  title: string;
  testId: string;
  what: string;
  empty: string;
  rows: LeaderboardRow[] | undefined;
  error?: string | null;
}) {
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        {props.title}
      </Title>
      {props.error !== undefined && <ErrorText error={props.error} />}
      {props.error ? null : props.rows === undefined ? (
        <Loading what={props.what} />
      ) : props.rows.length === 0 ? (
        <Empty>{props.empty}</Empty>
      ) : (
        <Table fz="sm" data-testid={props.testId}>
          <Table.Tbody>
            {props.rows.map((row) => (
              <Table.Tr key={row.key}>
                <Table.Td>{row.rank}</Table.Td>
                <Table.Td>
                  {row.name}
                  <Text size="xs" c="dimmed">
                    {row.detail}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Open wei={row.wei} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

export function ExplorePage() {
  return (
    <Stack>
      <Title order={2}>Explore the network</Title>
      <Text c="dimmed" size="sm">
        Everything here is read from the indexer, which follows every contract event. Amounts are in OPEN.
      </Text>
      <Tabs defaultValue="models" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="models">Models</Tabs.Tab>
          <Tabs.Tab value="datanets">Datanets</Tabs.Tab>
          <Tabs.Tab value="requests">Requests</Tabs.Tab>
          <Tabs.Tab value="leaderboards">Leaderboards</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="models" pt="md">
          <ModelCards />
        </Tabs.Panel>
        <Tabs.Panel value="datanets" pt="md">
          <DatanetCards />
        </Tabs.Panel>
        <Tabs.Panel value="requests" pt="md">
          <RequestsTable />
        </Tabs.Panel>
        <Tabs.Panel value="leaderboards" pt="md">
          <Leaderboards />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
