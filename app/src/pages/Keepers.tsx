import { Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { Empty, ErrorText, Loading } from "../components/feedback.js";
import { AddressText, HashText, Open } from "../components/values.js";
import { formatTime } from "../format.js";
import { type Page, useLiveQuery } from "../indexer.js";

type KeeperRow = {
  address: string;
  stake: string;
  status: string;
  active: boolean;
  unbondingEndsAt: string | null;
  frozenUntil: string | null;
  slashedTotal: string;
  reportsExecuted: number;
  reportsSigned: number;
  joinedAt: string;
};
type ReportRow = {
  digest: string;
  requestId: string;
  modelId: string;
  executor: string;
  signers: string[];
  status: string;
  submittedAt: string;
};

const KEEPERS_QUERY = `query {
  keepers(orderBy: "joinedAt", orderDirection: "asc", limit: 100) { items { address stake status active unbondingEndsAt frozenUntil slashedTotal reportsExecuted reportsSigned joinedAt } }
  accounts(where: { earnedKeeper_gt: "0" }, limit: 200) { items { address earnedKeeper } }
  reports(orderBy: "submittedAt", orderDirection: "desc", limit: 20) { items { digest requestId modelId executor signers status submittedAt } }
}`;

/** Read-only: who keeps the network, with what stake, and what they reported and earned. */
export function KeepersPage() {
  const [{ data, fetching, error }] = useLiveQuery<{
    keepers: Page<KeeperRow>;
    accounts: Page<{ address: string; earnedKeeper: string }>;
    reports: Page<ReportRow>;
  }>(KEEPERS_QUERY);
  if (error && !data) return <ErrorText error={`The indexer could not be read: ${error.message}`} />;
  if (fetching && !data) return <Loading what="keepers" />;
  const earned = new Map(data?.accounts.items.map((a) => [a.address.toLowerCase(), a.earnedKeeper]));
  const keepers = data?.keepers.items ?? [];
  const reports = data?.reports.items ?? [];
  return (
    <Stack>
      <Title order={2}>Keepers</Title>
      <Text size="sm" c="dimmed">
        Keepers stake OPEN to run the models, compute the attribution of every answer and sign its report; a
        quorum of stake must sign. A keeper that signs two different reports for one request loses stake.
      </Text>
      {keepers.length === 0 ? (
        <Empty>No keeper has staked yet.</Empty>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} data-testid="keepers">
          {keepers.map((k) => (
            <Card key={k.address} withBorder data-testid={`keeper-${k.address.toLowerCase()}`}>
              <Group justify="space-between" wrap="nowrap">
                <AddressText address={k.address} />
                <Badge color={k.active ? "green" : "gray"} variant="light">
                  {k.active ? "active" : k.status}
                </Badge>
              </Group>
              <Table fz="sm" mt="xs" withRowBorders={false} verticalSpacing={2}>
                <Table.Tbody>
                  <Table.Tr>
                    <Table.Td>Stake</Table.Td>
                    <Table.Td>
                      <Open wei={k.stake} />
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Td>Reports submitted</Table.Td>
                    <Table.Td data-testid="reports-executed">{k.reportsExecuted}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Td>Reports signed</Table.Td>
                    <Table.Td>{k.reportsSigned}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Td>Earned</Table.Td>
                    <Table.Td>
                      <Open wei={earned.get(k.address.toLowerCase()) ?? "0"} />
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Td>Slashed</Table.Td>
                    <Table.Td>
                      <Open wei={k.slashedTotal} />
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Td>Joined</Table.Td>
                    <Table.Td>{formatTime(k.joinedAt)}</Table.Td>
                  </Table.Tr>
                  {k.unbondingEndsAt && (
                    <Table.Tr>
                      <Table.Td>Unbonding until</Table.Td>
                      <Table.Td>{formatTime(k.unbondingEndsAt)}</Table.Td>
                    </Table.Tr>
                  )}
                  {k.frozenUntil && (
                    <Table.Tr>
                      <Table.Td>Frozen until</Table.Td>
                      <Table.Td>{formatTime(k.frozenUntil)}</Table.Td>
                    </Table.Tr>
                  )}
                </Table.Tbody>
              </Table>
            </Card>
          ))}
        </SimpleGrid>
      )}
      <Title order={3} size="h4">
        Latest reports
      </Title>
      {reports.length === 0 ? (
        <Empty>No report yet: keepers report once a model is asked.</Empty>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table fz="sm" data-testid="reports">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Request</Table.Th>
                <Table.Th>Report</Table.Th>
                <Table.Th>Submitted by</Table.Th>
                <Table.Th>Signers</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {reports.map((r) => (
                <Table.Tr key={r.digest}>
                  <Table.Td>
                    #{r.requestId} (model {r.modelId})
                    <Text size="xs" c="dimmed">
                      {formatTime(r.submittedAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <HashText hash={r.digest} />
                  </Table.Td>
                  <Table.Td>
                    <AddressText address={r.executor} />
                  </Table.Td>
                  <Table.Td>{r.signers.length}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{r.status}</Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
