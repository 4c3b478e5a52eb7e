import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Progress,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { castVote, executeProposal, openGovernorAbi, propose, queueProposal } from "@payable-ai/sdk";
import { useCallback, useEffect, useMemo, useState } from "react";
import {
  type AbiFunction,
  type Address,
  decodeFunctionData,
  encodeFunctionData,
  type Hex,
  isAddress,
  type PublicClient,
} from "viem";
import { contractAbis, governableFunctions } from "../abis.js";
import { useApp } from "../app.js";
import { Empty, ErrorText, Loading, useAction } from "../components/feedback.js";
import { AddressText } from "../components/values.js";
import { formatDuration, formatOpen, formatTime } from "../format.js";
import { indexerGet } from "../indexer.js";
import { useWallet } from "../wallet.js";
import { DelegatePanel } from "./Account.js";

type IndexedProposal = {
  id: string;
  proposer: string;
  description: string;
  voteStart: string;
  voteEnd: string;
  eta: string | null;
  status: string;
  createdAt: string;
};

type Calls = {
  targets: readonly Address[];
  values: readonly bigint[];
  calldatas: readonly Hex[];
  description: string;
};

/** Every proposal's calls, from the governor's ProposalCreated events (the indexer keeps only the targets). */
async function readCalls(client: PublicClient, governor: Address): Promise<Map<string, Calls>> {
  const logs = await client.getContractEvents({
    address: governor,
    abi: openGovernorAbi,
    eventName: "ProposalCreated",
    fromBlock: 0n,
  });
  const calls = new Map<string, Calls>();
  for (const log of logs) {
    const a = log.args as {
      proposalId: bigint;
      targets: Address[];
      values: bigint[];
      calldatas: Hex[];
      description: string;
    };
    calls.set(a.proposalId.toString(), {
      targets: a.targets,
      values: a.values,
      calldatas: a.calldatas,
      description: a.description,
    });
  }
  return calls;
}

/** `InferenceMarket.setChallengeWindow(60)` for a call the app knows the ABI of. */
function describeCall(contracts: Record<string, Address>, target: Address, data: Hex, value: bigint): string {
  const name = Object.entries(contracts).find(([, a]) => a.toLowerCase() === target.toLowerCase())?.[0];
  const abi = name ? contractAbis[name] : undefined;
  const valueText = value > 0n ? ` with ${formatOpen(value, false)} ETH` : "";
  if (abi && data !== "0x") {
    try {
      const decoded = decodeFunctionData({ abi, data });
      return `${name}.${decoded.functionName}(${(decoded.args ?? []).map(String).join(", ")})${valueText}`;
    } catch {
      // An unknown selector: shown raw below.
    }
  }
  return `${name ?? target}${data === "0x" ? " (no call data)" : `: ${data.slice(0, 10)}…`}${valueText}`;
}

const STATE_COLORS: Record<string, string> = {
  pending: "gray",
  active: "blue",
  succeeded: "green",
  queued: "violet",
  executed: "teal",
  defeated: "red",
  canceled: "gray",
  expired: "gray",
};

export function GovernancePage() {
  const [proposals, setProposals] = useState<IndexedProposal[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` asks for a fresh read
  useEffect(() => {
    let live = true;
    const load = () =>
      indexerGet<{ proposals: IndexedProposal[] }>("/proposals?limit=50")
        .then((r) => {
          if (!live) return;
          setProposals(r.proposals);
          setError(null);
        })
        .catch((e: Error) => live && setError(`The indexer could not be read: ${e.message}`));
    load();
    const timer = setInterval(load, 3000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [version]);
  return (
    <Stack>
      <Title order={2}>Governance</Title>
      <Alert variant="light" title="Why votes come from earnings">
        Votes here are not bought. Every OPEN a data contributor or a model developer earns from answers mints
        the same amount of non-transferable vOPEN, so the network is steered by the people whose work it pays
        for, not by who holds the most tokens. An account delegates to itself on its first earning; votes
        count only once delegated, to yourself or to someone you trust, and a proposal counts the votes
        delegated when its vote starts.
      </Alert>
      <DelegatePanel />
      <CreateProposal onCreated={refresh} />
      <Title order={3} size="h4">
        Proposals
      </Title>
      <ErrorText error={error} />
      {proposals === null && !error ? (
        <Loading what="proposals" />
      ) : proposals?.length === 0 ? (
        <Empty>No proposal yet.</Empty>
      ) : (
        <ProposalList proposals={proposals ?? []} refresh={refresh} />
      )}
    </Stack>
  );
}

function ProposalList({ proposals, refresh }: { proposals: IndexedProposal[]; refresh: () => void }) {
  const { publicClient, contracts } = useApp();
  const [calls, setCalls] = useState<Map<string, Calls> | null>(null);
  const ids = proposals.map((p) => p.id).join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again when a proposal appears
  useEffect(() => {
    readCalls(publicClient, contracts.OpenGovernor).then(setCalls, () => setCalls(new Map()));
  }, [publicClient, contracts.OpenGovernor, ids]);
  return (
    <Stack data-testid="proposals">
      {proposals.map((p) => (
        <ProposalCard key={p.id} proposal={p} calls={calls?.get(p.id)} refresh={refresh} />
      ))}
    </Stack>
  );
}

type Tally = {
  against: bigint;
  for: bigint;
  abstain: bigint;
  quorum: bigint;
  snapshot: bigint;
  deadline: bigint;
  weight: bigint | null;
  voted: boolean;
  now: bigint;
};

function useTally(proposalId: string, account: Address | undefined, status: string) {
  const { publicClient, contracts } = useApp();
  const [tally, setTally] = useState<Tally | null>(null);
  const [version, setVersion] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a status change or `version` re-reads the governor
  useEffect(() => {
    let live = true;
    const governor = { address: contracts.OpenGovernor, abi: openGovernorAbi } as const;
    const id = BigInt(proposalId);
    (async () => {
      const [[against, forVotes, abstain], snapshot, deadline, block] = await Promise.all([
        publicClient.readContract({ ...governor, functionName: "proposalVotes", args: [id] }),
        publicClient.readContract({ ...governor, functionName: "proposalSnapshot", args: [id] }),
        publicClient.readContract({ ...governor, functionName: "proposalDeadline", args: [id] }),
        publicClient.getBlock(),
      ]);
      const now = block.timestamp;
      const settled = snapshot < now;
      const quorum = settled
        ? await publicClient.readContract({ ...governor, functionName: "quorum", args: [snapshot] })
        : 0n;
      let weight: bigint | null = null;
      let voted = false;
      if (account) {
        weight = settled
          ? await publicClient.readContract({
              ...governor,
              functionName: "getVotes",
              args: [account, snapshot],
            })
          : null;
        voted = await publicClient.readContract({
          ...governor,
          functionName: "hasVoted",
          args: [id, account],
        });
      }
      if (live) setTally({ against, for: forVotes, abstain, quorum, snapshot, deadline, weight, voted, now });
    })().catch(() => live && setTally(null));
    return () => {
      live = false;
    };
  }, [publicClient, contracts.OpenGovernor, proposalId, account, status, version]);
  return { tally, reload: () => setVersion((v) => v + 1) };
}

function ProposalCard({
  proposal,
  calls,
  refresh,
}: {
  proposal: IndexedProposal;
  calls: Calls | undefined;
  refresh: () => void;
}) {
  const { contracts } = useApp();
  const { signer } = useWallet();
  const { tally, reload } = useTally(proposal.id, signer?.address, proposal.status);
  const done = () => {
    reload();
    refresh();
  };
  const vote = useAction(async (support: "for" | "against" | "abstain") => {
    if (!signer) throw new Error("Choose an account first.");
    await castVote(signer.client, { contracts, proposalId: BigInt(proposal.id), support });
    done();
  });
  const queue = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    if (!calls) throw new Error("The proposal's calls are still loading.");
    await queueProposal(signer.client, { contracts, ...calls });
    done();
  });
  const execute = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    if (!calls) throw new Error("The proposal's calls are still loading.");
    await executeProposal(signer.client, { contracts, ...calls });
    done();
  });
  const total = tally ? tally.for + tally.against + tally.abstain : 0n;
  const pct = (v: bigint) => (total === 0n ? 0 : Number((v * 10_000n) / total) / 100);
  const counted = tally ? tally.for + tally.abstain : 0n;
  const title = proposal.description.split("\n")[0] ?? "";
  return (
    <Card withBorder data-testid={`proposal-${proposal.id}`} data-status={proposal.status}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Text fw={600} style={{ wordBreak: "break-word" }}>
          {title}
        </Text>
        <Badge color={STATE_COLORS[proposal.status] ?? "gray"} variant="light" data-testid="state">
          {proposal.status}
        </Badge>
      </Group>
      {proposal.description.includes("\n") && (
        <Text size="sm" c="dimmed" style={{ whiteSpace: "pre-wrap" }}>
          {proposal.description.split("\n").slice(1).join("\n").trim()}
        </Text>
      )}
      <Text size="xs" c="dimmed" mt={4}>
        Proposed by <AddressText address={proposal.proposer} /> on {formatTime(proposal.createdAt)}
      </Text>
      <Text size="sm" fw={500} mt="sm">
        Calls
      </Text>
      {calls ? (
        <Stack gap={2}>
          {calls.targets.map((target, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a proposal's calls are positional and never reorder
            <Code key={`${target}-${i}`} style={{ wordBreak: "break-all" }}>
              {describeCall(contracts, target, calls.calldatas[i] as Hex, calls.values[i] ?? 0n)}
            </Code>
          ))}
        </Stack>
      ) : (
        <Loading what="calls" />
      )}
      {tally ? (
        <Stack gap={4} mt="sm" data-testid="tally">
          <Progress.Root size="lg">
            <Progress.Section value={pct(tally.for)} color="green" aria-label={`for ${pct(tally.for)}%`} />
            <Progress.Section
              value={pct(tally.against)}
              color="red"
              aria-label={`against ${pct(tally.against)}%`}
            />
            <Progress.Section
              value={pct(tally.abstain)}
              color="gray"
              aria-label={`abstain ${pct(tally.abstain)}%`}
            />
          </Progress.Root>
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing={4}>
            <Text size="sm" data-testid="votes-for">
              For {formatOpen(tally.for, false)}
            </Text>
            <Text size="sm">Against {formatOpen(tally.against, false)}</Text>
            <Text size="sm">Abstain {formatOpen(tally.abstain, false)}</Text>
          </SimpleGrid>
          <Text size="sm">
            {tally.snapshot < tally.now ? (
              <>
                Quorum {formatOpen(tally.quorum, false)} votes (for + abstain):{" "}
                {counted >= tally.quorum
                  ? "reached"
                  : `${formatOpen(tally.quorum - counted, false)} still needed`}
                .
              </>
            ) : (
              <>Voting opens {formatTime(tally.snapshot)}.</>
            )}{" "}
            {tally.deadline > tally.now
              ? `Voting closes ${formatTime(tally.deadline)} (in ${formatDuration(Number(tally.deadline - tally.now))}).`
              : `Voting closed ${formatTime(tally.deadline)}.`}
          </Text>
          {proposal.eta && proposal.status === "queued" && (
            <Text size="sm">Executable from {formatTime(proposal.eta)} (the timelock delay).</Text>
          )}
        </Stack>
      ) : (
        <Loading what="the tally" />
      )}
      {signer && tally && proposal.status === "active" && (
        <Stack gap="xs" mt="sm">
          {tally.voted ? (
            <Text size="sm" data-testid="voted">
              You have voted on this proposal.
            </Text>
          ) : tally.weight === 0n ? (
            <Text size="sm" data-testid="no-weight">
              You had no votes delegated to you when this vote started, so a vote would count nothing. Votes
              come from OPEN earned as a contributor or developer; delegate them (to yourself) before a
              proposal starts.
            </Text>
          ) : (
            <>
              <Text size="sm" data-testid="weight">
                Your vote counts {formatOpen(tally.weight ?? 0n, false)} votes (delegated to you when this
                vote started).
              </Text>
              <Group gap="xs">
                <Button size="xs" color="green" onClick={() => vote.run("for")} loading={vote.busy}>
                  Vote for
                </Button>
                <Button
                  size="xs"
                  color="red"
                  variant="light"
                  onClick={() => vote.run("against")}
                  loading={vote.busy}
                >
                  Vote against
                </Button>
                <Button size="xs" variant="default" onClick={() => vote.run("abstain")} loading={vote.busy}>
                  Abstain
                </Button>
              </Group>
            </>
          )}
        </Stack>
      )}
      {signer && proposal.status === "succeeded" && (
        <Group mt="sm">
          <Button size="xs" onClick={() => queue.run()} loading={queue.busy}>
            Queue in the timelock
          </Button>
        </Group>
      )}
      {signer && proposal.status === "queued" && (
        <Group mt="sm">
          <Button size="xs" onClick={() => execute.run()} loading={execute.busy}>
            Execute
          </Button>
        </Group>
      )}
      <ErrorText error={vote.error ?? queue.error ?? execute.error} />
    </Card>
  );
}

function parseArgument(input: AbiFunction["inputs"][number], text: string): unknown {
  const name = input.name || input.type;
  const value = text.trim();
  if (input.type.startsWith("uint") || input.type.startsWith("int")) {
    if (!/^-?\d+$/.test(value)) throw new Error(`${name} must be a whole number.`);
    return BigInt(value);
  }
  if (input.type === "address") {
    if (!isAddress(value)) throw new Error(`${name} must be an address.`);
    return value;
  }
  if (input.type === "bool") {
    if (!["true", "false"].includes(value)) throw new Error(`${name} must be true or false.`);
    return value === "true";
  }
  if (input.type === "string") return text;
  if (/^bytes\d*$/.test(input.type)) {
    if (!/^0x[0-9a-fA-F]*$/.test(value)) throw new Error(`${name} must be hex (0x…).`);
    return value;
  }
  throw new Error(`${name} (${input.type}) cannot be entered here.`);
}

function CreateProposal({ onCreated }: { onCreated: () => void }) {
  const { contracts } = useApp();
  const { signer } = useWallet();
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [target, setTarget] = useState<string | null>("InferenceMarket");
  const [fn, setFn] = useState<string | null>(null);
  const [args, setArgs] = useState<string[]>([]);
  const [created, setCreated] = useState<string | null>(null);
  const functions = useMemo(() => (target ? governableFunctions(target) : []), [target]);
  const selected = functions.find((f) => `${f.name}(${f.inputs.map((i) => i.type).join(",")})` === fn);
  const submit = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    if (!title.trim()) throw new Error("Give the proposal a title.");
    if (!target || !selected) throw new Error("Choose the contract and the function the proposal calls.");
    const values = selected.inputs.map((input, i) => parseArgument(input, args[i] ?? ""));
    const calldata = encodeFunctionData({ abi: [selected], functionName: selected.name, args: values });
    setCreated(null);
    const description = body.trim() ? `${title.trim()}\n\n${body.trim()}` : title.trim();
    const { proposalId } = await propose(signer.client, {
      contracts,
      targets: [contracts[target] as Address],
      values: [0n],
      calldatas: [calldata],
      description,
    });
    setCreated(proposalId.toString());
    setTitle("");
    setBody("");
    onCreated();
  });
  return (
    <Card withBorder>
      <Title order={3} size="h4">
        New proposal
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        A proposal is a call the governance timelock makes if the vote passes: it owns every parameter of the
        protocol.
      </Text>
      <Stack gap="sm">
        <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
        <Textarea
          label="Description"
          autosize
          minRows={2}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Contract"
            data={Object.keys(contractAbis)}
            value={target}
            onChange={(v) => {
              setTarget(v);
              setFn(null);
              setArgs([]);
            }}
          />
          <Select
            label="Function"
            searchable
            data={functions.map((f) => `${f.name}(${f.inputs.map((i) => i.type).join(",")})`)}
            value={fn}
            onChange={(v) => {
              setFn(v);
              setArgs([]);
            }}
          />
        </SimpleGrid>
        {selected?.inputs.map((input, i) => (
          <TextInput
            key={`${selected.name}:${input.name || `${input.type}@${input.internalType ?? ""}`}`}
            label={`${input.name || `argument ${i + 1}`} (${input.type})`}
            value={args[i] ?? ""}
            onChange={(e) => {
              const next = [...args];
              next[i] = e.currentTarget.value;
              setArgs(next);
            }}
          />
        ))}
        <Group>
          <Button onClick={() => submit.run()} loading={submit.busy}>
            Propose
          </Button>
        </Group>
        <ErrorText error={submit.error} />
        {created && (
          <Alert color="green" data-testid="proposed">
            Proposal created. Voting opens after the voting delay.
          </Alert>
        )}
      </Stack>
    </Card>
  );
}
