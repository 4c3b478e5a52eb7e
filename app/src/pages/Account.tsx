import {
  Alert,
  Button,
  Card,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { claimRewards, contributionVotesAbi, delegateVotes, getRewards, setPayee } from "@payable-ai/sdk";
import { useCallback, useEffect, useState } from "react";
import { type Address, isAddress, zeroAddress } from "viem";
import { useApp } from "../app.js";
import { Empty, ErrorText, Loading, useAction } from "../components/feedback.js";
import { AddressText, Open } from "../components/values.js";
import { formatOpen, formatTime } from "../format.js";
import { type Page, useLiveQuery } from "../indexer.js";
import { useWallet } from "../wallet.js";

type Earning = {
  id: string;
  source: string;
  amount: string;
  requestId: string;
  modelId: string;
  datanetId: string | null;
  contributionId: string | null;
  timestamp: string;
};

const EARNINGS_QUERY = `query ($account: String!) {
  earnings(where: { account: $account }, orderBy: "timestamp", orderDirection: "desc", limit: 1000) {
    items { id source amount requestId modelId datanetId contributionId timestamp }
  }
}`;

/** What an account earned, by where it came from. */
export function earningsBySource(items: Earning[]) {
  const sum = (keep: (e: Earning) => boolean) =>
    items.filter(keep).reduce((t, e) => t + BigInt(e.amount), 0n);
  return {
    data: sum((e) => e.source === "data" && e.contributionId !== null),
    remainder: sum((e) => e.source === "data" && e.contributionId === null),
    model: sum((e) => e.source === "model"),
    keeper: sum((e) => e.source === "keeper"),
    protocol: sum((e) => e.source === "protocol"),
  };
}

const SOURCE_WORDS: Record<string, string> = {
  data: "your contribution was used",
  remainder: "unattributed share of a datanet you own",
  model: "your model answered",
  keeper: "you ran and reported the answer",
  protocol: "protocol share (treasury)",
};

export function AccountPage() {
  const { signer } = useWallet();
  return (
    <Stack>
      <Title order={2}>Account</Title>
      {signer ? (
        <>
          <EarningsPanel address={signer.address} />
          <ClaimPanel />
          <PayeePanel address={signer.address} />
          <DelegatePanel />
        </>
      ) : (
        <Empty>Choose an account (or connect a browser wallet) to see its earnings and votes.</Empty>
      )}
    </Stack>
  );
}

function EarningsPanel({ address }: { address: Address }) {
  const [{ data, fetching, error }] = useLiveQuery<{ earnings: Page<Earning> }>(EARNINGS_QUERY, {
    account: address.toLowerCase(),
  });
  if (error && !data) return <ErrorText error={`The indexer could not be read: ${error.message}`} />;
  if (fetching && !data) return <Loading what="earnings" />;
  const items = data?.earnings.items ?? [];
  const by = earningsBySource(items);
  return (
    <Card withBorder data-testid="earnings">
      <Title order={3} size="h4" mb="xs">
        Earnings by source
      </Title>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Source label="From your data" wei={by.data} testId="earned-data" />
        <Source label="From datanets you own" wei={by.remainder} testId="earned-remainder" />
        <Source label="From your models" wei={by.model} testId="earned-model" />
        <Source label="As a keeper" wei={by.keeper} testId="earned-keeper" />
      </SimpleGrid>
      {items.length === 0 ? (
        <Empty>
          Nothing earned yet. Contributions earn when an answer uses them; models earn when they are asked.
        </Empty>
      ) : (
        <Table.ScrollContainer minWidth={480} mt="sm">
          <Table fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Why</Table.Th>
                <Table.Th>Request</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.slice(0, 20).map((e) => {
                const kind = e.source === "data" && e.contributionId === null ? "remainder" : e.source;
                return (
                  <Table.Tr key={e.id}>
                    <Table.Td>{formatTime(e.timestamp)}</Table.Td>
                    <Table.Td>
                      {SOURCE_WORDS[kind]}
                      {e.contributionId && ` (contribution ${e.contributionId})`}
                    </Table.Td>
                    <Table.Td>
                      #{e.requestId} to model {e.modelId}
                    </Table.Td>
                    <Table.Td ta="right">
                      <Open wei={e.amount} />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}

function Source({ label, wei, testId }: { label: string; wei: bigint; testId: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Open wei={wei} testId={testId} />
    </div>
  );
}

function ClaimPanel() {
  const { publicClient, contracts } = useApp();
  const { signer } = useWallet();
  const [rewards, setRewards] = useState<{ claimable: bigint; credited: bigint; claimed: bigint } | null>(
    null,
  );
  const [claimed, setClaimed] = useState<bigint | null>(null);
  const load = useCallback(async () => {
    if (!signer) return;
    setRewards(await getRewards(publicClient, { contracts, account: signer.address }));
  }, [publicClient, contracts, signer]);
  useEffect(() => {
    load().catch(() => setRewards(null));
    const timer = setInterval(() => load().catch(() => {}), 3000);
    return () => clearInterval(timer);
  }, [load]);
  const claim = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    setClaimed(null);
    const { amount } = await claimRewards(signer.client, { contracts });
    setClaimed(amount);
    await load();
  });
  return (
    <Card withBorder data-testid="claim">
      <Title order={3} size="h4" mb="xs">
        Reward vault
      </Title>
      <Text size="sm" mb="xs">
        Earnings are credited to the reward vault when a request is settled, and you withdraw them when you
        like.
      </Text>
      {rewards ? (
        <Text size="sm">
          Claimable <Open wei={rewards.claimable} testId="claimable" /> · credited in total{" "}
          {formatOpen(rewards.credited)} · claimed {formatOpen(rewards.claimed)}
        </Text>
      ) : (
        <Loading what="the vault" />
      )}
      <Group mt="sm">
        <Button
          onClick={() => claim.run()}
          loading={claim.busy}
          disabled={!rewards || rewards.claimable === 0n}
        >
          Claim {rewards ? formatOpen(rewards.claimable) : ""}
        </Button>
      </Group>
      {claimed !== null && (
        <Alert color="green" mt="sm" data-testid="claimed">
          {formatOpen(claimed)} sent to your account.
        </Alert>
      )}
      <ErrorText error={claim.error} />
    </Card>
  );
}

type PayoutRow = { id: string; datanetId: string; contributor: string; payee: string; status: string };

const PAYOUTS_QUERY = `query ($account: String!) {
  asContributor: contributions(where: { contributor: $account }, orderBy: "id", orderDirection: "asc", limit: 500) { items { id datanetId contributor payee status } }
  asPayee: contributions(where: { payee: $account }, orderBy: "id", orderDirection: "asc", limit: 500) { items { id datanetId contributor payee status } }
}`;

/**
 * Where each of the signer's contributions pays (`setPayee`): the contributor, or the current
 * payee, can point its payouts to another address, e.g. a new wallet.
 */
function PayeePanel({ address }: { address: Address }) {
  const { contracts } = useApp();
  const { signer } = useWallet();
  const [{ data, fetching, error }, refresh] = useLiveQuery<{
    asContributor: Page<PayoutRow>;
    asPayee: Page<PayoutRow>;
  }>(PAYOUTS_QUERY, { account: address.toLowerCase() });
  const [chosen, setChosen] = useState<string | null>(null);
  const [to, setTo] = useState("");
  const [changed, setChanged] = useState<{ id: string; payee: Address } | null>(null);
  const redirect = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    if (!chosen) throw new Error("Choose the contribution whose payouts move.");
    const payee = to.trim();
    if (!isAddress(payee)) throw new Error(`"${payee}" is not an address (0x and 40 hex digits).`);
    setChanged(null);
    await setPayee(signer.client, { contracts, contributionId: BigInt(chosen), newPayee: payee });
    setChanged({ id: chosen, payee });
    setTo("");
    refresh();
  });
  if (error && !data) return <ErrorText error={`The indexer could not be read: ${error.message}`} />;
  if (fetching && !data) return <Loading what="your contributions" />;
  const rows = new Map<string, PayoutRow>();
  for (const c of [...(data?.asContributor.items ?? []), ...(data?.asPayee.items ?? [])]) rows.set(c.id, c);
  const items = [...rows.values()].sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  return (
    <Card withBorder data-testid="payees">
      <Title order={3} size="h4" mb="xs">
        Where your contributions pay
      </Title>
      <Text size="sm" mb="xs">
        Each contribution pays its payee, at first the contributor. If you change wallets, point its payouts
        to the new address: answers reported from then on pay it there (what was already credited stays in the
        reward vault of the old one). The contributor and the current payee may both change it.
      </Text>
      {items.length === 0 ? (
        <Empty>You have no contributions, and none pays you.</Empty>
      ) : (
        <>
          <Table.ScrollContainer minWidth={420}>
            <Table fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Contribution</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Pays</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((c) => (
                  <Table.Tr key={c.id} data-testid={`payee-${c.id}`} data-payee={c.payee.toLowerCase()}>
                    <Table.Td>
                      #{c.id} in datanet {c.datanetId}
                    </Table.Td>
                    <Table.Td>{c.status}</Table.Td>
                    <Table.Td>
                      {c.payee.toLowerCase() === address.toLowerCase() ? (
                        "you"
                      ) : (
                        <AddressText address={c.payee} />
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group mt="sm" align="flex-end" wrap="wrap">
            <Select
              size="xs"
              label="Contribution"
              placeholder="Choose one"
              data={items.map((c) => ({ value: c.id, label: `#${c.id} (datanet ${c.datanetId})` }))}
              value={chosen}
              onChange={setChosen}
              style={{ flex: "1 1 160px" }}
            />
            <TextInput
              size="xs"
              label="New payee"
              placeholder="0x…"
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              style={{ flex: "2 1 220px" }}
            />
            <Button size="xs" onClick={() => redirect.run()} loading={redirect.busy}>
              Send its payouts there
            </Button>
          </Group>
        </>
      )}
      <ErrorText error={redirect.error} />
      {changed && (
        <Alert color="green" mt="sm" data-testid="payee-changed">
          Contribution #{changed.id} now pays <AddressText address={changed.payee} />.
        </Alert>
      )}
    </Card>
  );
}

/** Votes (vOPEN) of the signer and whom they are delegated to, with delegation. */
export function DelegatePanel() {
  const { publicClient, contracts } = useApp();
  const { signer } = useWallet();
  const [state, setState] = useState<{ balance: bigint; votes: bigint; delegate: Address } | null>(null);
  const [to, setTo] = useState("");
  const load = useCallback(async () => {
    if (!signer) return;
    const votes = { address: contracts.ContributionVotes, abi: contributionVotesAbi } as const;
    const [balance, current, delegate] = await Promise.all([
      publicClient.readContract({ ...votes, functionName: "balanceOf", args: [signer.address] }),
      publicClient.readContract({ ...votes, functionName: "getVotes", args: [signer.address] }),
      publicClient.readContract({ ...votes, functionName: "delegates", args: [signer.address] }),
    ]);
    setState({ balance, votes: current, delegate });
  }, [publicClient, contracts, signer]);
  useEffect(() => {
    load().catch(() => setState(null));
  }, [load]);
  const delegate = useAction(async (delegatee: string) => {
    if (!signer) throw new Error("Choose an account first.");
    if (!isAddress(delegatee)) throw new Error(`"${delegatee}" is not an address.`);
    await delegateVotes(signer.client, { contracts, delegatee: delegatee as Address });
    await load();
  });
  if (!signer) return null;
  return (
    <Card withBorder data-testid="votes">
      <Title order={3} size="h4" mb="xs">
        Your votes
      </Title>
      {state ? (
        <Stack gap={4}>
          <Text size="sm">
            You hold <b data-testid="vopen">{formatOpen(state.balance, false)} vOPEN</b>, earned as a
            contributor or developer (never bought, never transferable).
          </Text>
          <Text size="sm" data-testid="delegate" data-delegate={state.delegate}>
            {state.delegate === zeroAddress ? (
              "Not delegated yet: your vOPEN counts for nothing until you delegate it, to yourself or to someone else."
            ) : state.delegate.toLowerCase() === signer.address.toLowerCase() ? (
              "Delegated to yourself: you vote with it."
            ) : (
              <>
                Delegated to <AddressText address={state.delegate} />, who votes with it.
              </>
            )}
          </Text>
          <Text size="sm">
            Votes you can cast on new proposals:{" "}
            <b data-testid="voting-power">{formatOpen(state.votes, false)}</b>
          </Text>
        </Stack>
      ) : (
        <Loading what="votes" />
      )}
      <Group mt="sm" align="flex-end" wrap="wrap">
        <Button size="xs" onClick={() => delegate.run(signer.address)} loading={delegate.busy}>
          Delegate to myself
        </Button>
        <TextInput
          size="xs"
          label="Or delegate to"
          placeholder="0x…"
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
          style={{ flex: "1 1 200px" }}
        />
        <Button size="xs" variant="default" onClick={() => delegate.run(to.trim())} loading={delegate.busy}>
          Delegate
        </Button>
      </Group>
      <ErrorText error={delegate.error} />
    </Card>
  );
}
