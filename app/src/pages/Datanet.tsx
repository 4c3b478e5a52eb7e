import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  FileInput,
  Group,
  NumberInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import {
  acceptContribution,
  approveAccess,
  cancelAccessRequest,
  contribute,
  createDatanet,
  datanetRegistryAbi,
  denyAccess,
  hasAccess,
  rejectContribution,
  requestAccess,
  revokeAccess,
  withdrawContribution,
} from "@payable-ai/sdk";
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { type Address, isAddress } from "viem";
import { useApp } from "../app.js";
import { Empty, ErrorText, Loading, useAction } from "../components/feedback.js";
import { AddressText, HashText, Open } from "../components/values.js";
import { formatDuration, formatOpen, formatTime, parseOpen } from "../format.js";
import { blobUri, hashOf, openSession, readContribution, uploadBlob } from "../gateway.js";
import { type Page, useLiveQuery } from "../indexer.js";
import { metadataUri, nameOf, parseMetadata } from "../metadata.js";
import { useWallet } from "../wallet.js";
import { DatanetCards } from "./Explore.js";

/** The gateway's limit on one submission (the reference system caps a submission at 5 MB). */
const MAX_CONTRIBUTION_BYTES = 5 * 1024 * 1024;

type DatanetDetail = {
  id: string;
  owner: string;
  metadataUri: string;
  contributionBond: string;
  accessFee: string;
  reviewTimeout: string;
  contributionCount: number;
  acceptedCount: number;
  accessRevenue: string;
  attributedRevenue: string;
  remainderRevenue: string;
};
type ContributionRow = {
  id: string;
  contributor: string;
  payee: string;
  contentHash: string;
  bond: string;
  status: string;
  earned: string;
  attributionCount: number;
  submittedAt: string;
};
type GrantRow = {
  account: string;
  status: string;
  fee: string;
  requestedAt: string | null;
  updatedAt: string;
};

const DATANET_QUERY = `query ($id: BigInt!) {
  datanet(id: $id) { id owner metadataUri contributionBond accessFee reviewTimeout contributionCount acceptedCount accessRevenue attributedRevenue remainderRevenue }
  contributions(where: { datanetId: $id }, orderBy: "id", orderDirection: "asc", limit: 500) { items { id contributor payee contentHash bond status earned attributionCount submittedAt } }
  accessGrants(where: { datanetId: $id }, orderBy: "updatedAt", orderDirection: "desc", limit: 200) { items { account status fee requestedAt updatedAt } }
  curators(where: { datanetId: $id, active: true }, limit: 50) { items { account } }
}`;

type DatanetData = {
  datanet: DatanetDetail | null;
  contributions: Page<ContributionRow>;
  accessGrants: Page<GrantRow>;
  curators: Page<{ account: string }>;
};

const STATUS_COLORS: Record<string, string> = {
  pending: "yellow",
  accepted: "green",
  rejected: "red",
  withdrawn: "gray",
  requested: "yellow",
  granted: "green",
  denied: "red",
  revoked: "gray",
  cancelled: "gray",
};

function StatusBadge({ status }: { status: string }) {
  return (
    <Badge variant="light" color={STATUS_COLORS[status] ?? "blue"}>
      {status}
    </Badge>
  );
}

export function DatanetsPage() {
  return (
    <Stack>
      <Title order={2}>Datanets</Title>
      <Text size="sm" c="dimmed">
        A datanet is a curated collection of data. Contributors add to it with a bond, curators accept or
        reject, developers pay its access fee to train on it, and every answer a model gives pays the
        contributions that shaped it.
      </Text>
      <DatanetCards />
      <CreateDatanet />
    </Stack>
  );
}

function CreateDatanet() {
  const { contracts } = useApp();
  const { signer } = useWallet();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [bond, setBond] = useState("10");
  const [fee, setFee] = useState("50");
  const [reviewHours, setReviewHours] = useState<number | string>(24);
  const [curators, setCurators] = useState("");
  const create = useAction(async () => {
    if (!signer) throw new Error("Choose an account first: the creator becomes the datanet's owner.");
    if (!name.trim()) throw new Error("Give the datanet a name.");
    const curatorList = curators
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((a) => {
        if (!isAddress(a)) throw new Error(`"${a}" is not an address.`);
        return a as Address;
      });
    const hours = Number(reviewHours);
    if (!Number.isFinite(hours) || hours <= 0)
      throw new Error("The review timeout must be a positive number of hours.");
    const { datanetId } = await createDatanet(signer.client, {
      contracts,
      metadataURI: metadataUri({ name: name.trim(), description: description.trim() || undefined }),
      contributionBond: parseOpen(bond, "bond"),
      accessFee: parseOpen(fee, "access fee"),
      reviewTimeout: BigInt(Math.round(hours * 3600)),
      curators: curatorList,
    });
    navigate(`/datanets/${datanetId}`);
  });
  return (
    <Card withBorder>
      <Title order={3} size="h4">
        Create a datanet
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        You become its owner: you receive its access fees and the share of answers no contribution claims, and
        you approve who may read it.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
        <TextInput
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <TextInput
          label="Contribution bond (OPEN)"
          description="Held while a contribution waits; back on acceptance, to the treasury on rejection"
          value={bond}
          onChange={(e) => setBond(e.currentTarget.value)}
        />
        <TextInput
          label="Access fee (OPEN)"
          description="Paid by a developer to read the data; yours when you approve"
          value={fee}
          onChange={(e) => setFee(e.currentTarget.value)}
        />
        <NumberInput
          label="Review timeout (hours)"
          description="After it, an unreviewed contribution can be withdrawn with its bond"
          value={reviewHours}
          onChange={setReviewHours}
          min={1}
        />
        <TextInput
          label="Curators"
          description="Addresses, comma-separated; you can review too"
          value={curators}
          onChange={(e) => setCurators(e.currentTarget.value)}
        />
      </SimpleGrid>
      <Group mt="md">
        <Button onClick={() => create.run()} loading={create.busy}>
          Create datanet
        </Button>
      </Group>
      <ErrorText error={create.error} />
    </Card>
  );
}

export function DatanetPage() {
  const { id = "" } = useParams();
  const valid = /^\d+$/.test(id);
  const [{ data, fetching, error }, refresh] = useLiveQuery<DatanetData>(DATANET_QUERY, { id }, 4000);
  if (!valid) return <ErrorText error={`"${id}" is not a datanet number.`} />;
  if (error && !data) return <ErrorText error={`The indexer could not be read: ${error.message}`} />;
  if (fetching && !data) return <Loading what={`datanet ${id}`} />;
  if (!data?.datanet) return <Empty>There is no datanet {id}.</Empty>;
  return <DatanetView data={data as DatanetData & { datanet: DatanetDetail }} refresh={refresh} />;
}

function DatanetView({
  data,
  refresh,
}: {
  data: DatanetData & { datanet: DatanetDetail };
  refresh: () => void;
}) {
  const { datanet } = data;
  const { signer } = useWallet();
  const meta = parseMetadata(datanet.metadataUri);
  const me = signer?.address.toLowerCase();
  const isOwner = me === datanet.owner.toLowerCase();
  const isCurator = data.curators.items.some((c) => c.account.toLowerCase() === me);
  return (
    <Stack>
      <Anchor component={Link} to="/datanets" size="sm">
        ← All datanets
      </Anchor>
      <Title order={2}>{nameOf("Datanet", datanet.id, datanet.metadataUri)}</Title>
      {meta?.description && <Text c="dimmed">{meta.description}</Text>}
      <Card withBorder>
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
          <Stat label="Contribution bond" value={<Open wei={datanet.contributionBond} />} />
          <Stat label="Access fee" value={<Open wei={datanet.accessFee} testId="access-fee" />} />
          <Stat label="Review timeout" value={formatDuration(Number(datanet.reviewTimeout))} />
          <Stat label="Accepted" value={`${datanet.acceptedCount} of ${datanet.contributionCount}`} />
          <Stat label="Paid to contributors" value={<Open wei={datanet.attributedRevenue} />} />
          <Stat label="Access fees earned" value={<Open wei={datanet.accessRevenue} />} />
          <Stat label="Owner" value={<AddressText address={datanet.owner} />} />
          <Stat
            label="Curators"
            value={
              data.curators.items.length === 0
                ? "the owner only"
                : data.curators.items.map((c) => <AddressText key={c.account} address={c.account} />)
            }
          />
        </SimpleGrid>
      </Card>
      <AccessPanel datanet={datanet} grants={data.accessGrants.items} refresh={refresh} />
      <ContributePanel datanet={datanet} contributions={data.contributions.items} refresh={refresh} />
      {(isOwner || isCurator) && (
        <CuratorQueue datanet={datanet} contributions={data.contributions.items} refresh={refresh} />
      )}
      {isOwner && <OwnerPanel datanet={datanet} grants={data.accessGrants.items} refresh={refresh} />}
      <ContributionsTable datanet={datanet} contributions={data.contributions.items} />
    </Stack>
  );
}

function Stat({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div">
        {value}
      </Text>
    </div>
  );
}

/** The signer's access: read on-chain (`hasAccess`), the request's history from the indexer. */
function useAccess(datanetId: string, grants: GrantRow[]) {
  const { publicClient, contracts } = useApp();
  const { signer } = useWallet();
  const [granted, setGranted] = useState<boolean | null>(null);
  const grant = grants.find((g) => g.account.toLowerCase() === signer?.address.toLowerCase());
  const grantStatus = grant?.status;
  const check = useCallback(async () => {
    if (!signer) return setGranted(null);
    setGranted(
      await hasAccess(publicClient, { contracts, datanetId: BigInt(datanetId), account: signer.address }),
    );
  }, [signer, publicClient, contracts, datanetId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new grant status is a reason to read the chain again
  useEffect(() => {
    check().catch(() => setGranted(null));
  }, [check, grantStatus]);
  return { granted, grant };
}

function AccessPanel({
  datanet,
  grants,
  refresh,
}: {
  datanet: DatanetDetail;
  grants: GrantRow[];
  refresh: () => void;
}) {
  const { contracts } = useApp();
  const { signer } = useWallet();
  const { granted, grant: indexed } = useAccess(datanet.id, grants);
  // What this page just sent, shown before the indexer has caught up with it.
  const [sent, setSent] = useState<{
    account: string;
    status: string;
    fee: string;
    before: string | null;
  } | null>(null);
  // Until the indexed status moves on from the one the transaction was sent over.
  const grant =
    sent && sent.account === signer?.address && (indexed?.status ?? null) === sent.before
      ? { requestedAt: null, updatedAt: "", ...indexed, ...sent }
      : indexed;
  const request = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    // The fee the user saw is the most they pay: a fee raised meanwhile is refused on-chain.
    const { fee } = await requestAccess(signer.client, {
      contracts,
      datanetId: BigInt(datanet.id),
      maxFee: BigInt(datanet.accessFee),
    });
    setSent({
      account: signer.address,
      status: "requested",
      fee: fee.toString(),
      before: indexed?.status ?? null,
    });
    refresh();
  });
  const cancel = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    await cancelAccessRequest(signer.client, { contracts, datanetId: BigInt(datanet.id) });
    setSent({ account: signer.address, status: "cancelled", fee: "0", before: indexed?.status ?? null });
    refresh();
  });
  let status: React.ReactNode;
  if (!signer) status = <Text size="sm">Choose an account to see or request access.</Text>;
  else if (granted === null) status = <Loading what="your access" />;
  else if (granted)
    status = (
      <Text size="sm" component="div">
        <StatusBadge status="granted" /> You can read this datanet&apos;s contributions and train on them.
      </Text>
    );
  else if (grant?.status === "requested")
    status = (
      <Stack gap="xs">
        <Text size="sm" component="div">
          <StatusBadge status="requested" /> Your request is waiting for the owner. {formatOpen(grant.fee)} is
          held in escrow: it goes to the owner on approval and back to you on denial or if you cancel.
        </Text>
        <Group>
          <Button variant="default" size="xs" onClick={() => cancel.run()} loading={cancel.busy}>
            Cancel request and get {formatOpen(grant.fee)} back
          </Button>
        </Group>
      </Stack>
    );
  else
    status = (
      <Stack gap="xs">
        {grant && (
          <Text size="sm" component="div">
            Your last request was <StatusBadge status={grant.status} />.
          </Text>
        )}
        <Text size="sm">
          Reading this datanet costs <b>{formatOpen(datanet.accessFee)}</b>, held in escrow until the owner
          approves (then paid to the owner) or denies (then refunded).
        </Text>
        <Group>
          <Button size="xs" onClick={() => request.run()} loading={request.busy}>
            Pay {formatOpen(datanet.accessFee)} and request access
          </Button>
        </Group>
      </Stack>
    );
  return (
    <Card withBorder data-testid="access">
      <Title order={3} size="h4" mb="xs">
        Your access
      </Title>
      <div data-testid="access-status" data-status={granted ? "granted" : (grant?.status ?? "none")}>
        {status}
      </div>
      <ErrorText error={request.error ?? cancel.error} />
    </Card>
  );
}

function ContributePanel({
  datanet,
  contributions,
  refresh,
}: {
  datanet: DatanetDetail;
  contributions: ContributionRow[];
  refresh: () => void;
}) {
  const { contracts } = useApp();
  const { signer } = useWallet();
  const [mode, setMode] = useState<"text" | "file">("text");
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [submitted, setSubmitted] = useState<string | null>(null);
  const submit = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    const bytes =
      mode === "text"
        ? new TextEncoder().encode(text)
        : file
          ? new Uint8Array(await file.arrayBuffer())
          : null;
    if (!bytes || bytes.byteLength === 0)
      throw new Error(mode === "text" ? "Write something to contribute." : "Choose a file.");
    if (bytes.byteLength > MAX_CONTRIBUTION_BYTES)
      throw new Error(
        `The contribution is ${(bytes.byteLength / 1048576).toFixed(1)} MB; the limit is 5 MB.`,
      );
    setSubmitted(null);
    await uploadBlob(bytes, "datanet");
    // One flow: the SDK approves exactly the bond shown, then contributes with it as the maximum.
    const { contributionId } = await contribute(signer.client, {
      contracts,
      datanetId: BigInt(datanet.id),
      contentHash: hashOf(bytes),
      uri: blobUri(bytes),
      maxBond: BigInt(datanet.contributionBond),
    });
    setSubmitted(contributionId.toString());
    setText("");
    setFile(null);
    refresh();
  });
  const mine = contributions.filter((c) => c.contributor.toLowerCase() === signer?.address.toLowerCase());
  const last = submitted ? contributions.find((c) => c.id === submitted) : undefined;
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="xs">
        Contribute
      </Title>
      <Text size="sm" mb="sm">
        A contribution holds a bond of <b>{formatOpen(datanet.contributionBond)}</b> until a curator reviews
        it: accepted, the bond comes back and the contribution earns whenever an answer uses it; rejected, the
        bond goes to the protocol treasury. Unreviewed after {formatDuration(Number(datanet.reviewTimeout))},
        you can withdraw it with its bond.
      </Text>
      <SegmentedControl
        value={mode}
        onChange={(v) => setMode(v as "text" | "file")}
        data={[
          { label: "Paste text", value: "text" },
          { label: "Upload a file", value: "file" },
        ]}
        mb="sm"
      />
      {mode === "text" ? (
        <Textarea
          label="Content"
          autosize
          minRows={3}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          placeholder='{"question": "…", "answer": "…"}'
        />
      ) : (
        <FileInput
          label="File (at most 5 MB)"
          value={file}
          onChange={setFile}
          clearable
          placeholder="Choose a file"
        />
      )}
      <Group mt="sm">
        <Button onClick={() => submit.run()} loading={submit.busy} disabled={!signer}>
          Approve {formatOpen(datanet.contributionBond)} bond and contribute
        </Button>
      </Group>
      <ErrorText error={submit.error} />
      {submitted && (
        <Alert color="green" mt="sm" data-testid="contributed" data-contribution={submitted}>
          Contribution #{submitted} submitted
          {last ? (
            <>
              {" "}
              — <StatusBadge status={last.status} />
            </>
          ) : (
            " — waiting for the indexer"
          )}
          .
        </Alert>
      )}
      {mine.length > 0 && <MyContributions mine={mine} refresh={refresh} />}
    </Card>
  );
}

/** The chain's clock (the latest block's timestamp), read again every few seconds. */
function useChainTime(intervalMs = 3000): bigint | null {
  const { publicClient } = useApp();
  const [now, setNow] = useState<bigint | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      publicClient
        .getBlock()
        .then((b) => live && setNow(b.timestamp))
        .catch(() => {});
    read();
    const timer = setInterval(read, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [publicClient, intervalMs]);
  return now;
}

/**
 * The signer's contributions with their status; a pending one shows its review deadline (fixed
 * on-chain at submission) and can be withdrawn with its bond once the chain's clock has passed it.
 */
function MyContributions({ mine, refresh }: { mine: ContributionRow[]; refresh: () => void }) {
  const { publicClient, contracts } = useApp();
  const { signer } = useWallet();
  const now = useChainTime();
  const [deadlines, setDeadlines] = useState<Record<string, bigint>>({});
  const pendingIds = mine
    .filter((c) => c.status === "pending")
    .map((c) => c.id)
    .join(",");
  useEffect(() => {
    if (!pendingIds) return;
    let live = true;
    Promise.all(
      pendingIds.split(",").map(async (id) => {
        const c = await publicClient.readContract({
          address: contracts.DatanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "getContribution",
          args: [BigInt(id)],
        });
        return [id, c.reviewDeadline] as const;
      }),
    )
      .then((entries) => live && setDeadlines((d) => ({ ...d, ...Object.fromEntries(entries) })))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [pendingIds, publicClient, contracts]);
  const [withdrawn, setWithdrawn] = useState<string | null>(null);
  const withdraw = useAction(async (c: ContributionRow) => {
    if (!signer) throw new Error("Choose an account first.");
    setWithdrawn(null);
    await withdrawContribution(signer.client, { contracts, contributionId: BigInt(c.id) });
    setWithdrawn(c.id);
    refresh();
  });
  return (
    <Stack gap={4} mt="sm" data-testid="my-contributions">
      <Text size="sm" fw={500}>
        Yours
      </Text>
      {mine.map((c) => {
        const deadline = deadlines[c.id];
        const open = c.status === "pending" && deadline !== undefined && now !== null && now >= deadline;
        return (
          <Group key={c.id} gap="xs" wrap="wrap" data-testid={`mine-${c.id}`} data-status={c.status}>
            <Text size="sm">#{c.id}</Text>
            <StatusBadge status={c.status} />
            {c.status === "pending" && deadline !== undefined && (
              <>
                <Text size="xs" c="dimmed" data-testid="review-deadline" data-deadline={String(deadline)}>
                  {open
                    ? `Not reviewed by ${formatTime(deadline)}: you may withdraw it.`
                    : `Withdrawable from ${formatTime(deadline)} if still unreviewed.`}
                </Text>
                <Button
                  size="compact-xs"
                  variant="light"
                  disabled={!open}
                  loading={withdraw.busy}
                  onClick={() => withdraw.run(c)}
                >
                  Withdraw ({formatOpen(c.bond)} back)
                </Button>
              </>
            )}
          </Group>
        );
      })}
      <ErrorText error={withdraw.error} />
      {withdrawn && (
        <Alert color="green" data-testid="withdrawn" data-contribution={withdrawn}>
          Contribution #{withdrawn} withdrawn; its bond is back in your balance.
        </Alert>
      )}
    </Stack>
  );
}

function CuratorQueue({
  datanet,
  contributions,
  refresh,
}: {
  datanet: DatanetDetail;
  contributions: ContributionRow[];
  refresh: () => void;
}) {
  const { contracts, config } = useApp();
  const { signer } = useWallet();
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const pending = contributions.filter((c) => c.status === "pending");
  const review = useAction(async (contributionId: string, verdict: "accept" | "reject") => {
    if (!signer) throw new Error("Choose an account first.");
    const action = verdict === "accept" ? acceptContribution : rejectContribution;
    await action(signer.client, { contracts, contributionId: BigInt(contributionId) });
    refresh();
  });
  const preview = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    const session = await openSession(signer.account, {
      chainId: config.chainId,
      datanetRegistry: contracts.DatanetRegistry,
      datanetId: BigInt(datanet.id),
    });
    const read: Record<string, string> = {};
    for (const c of pending) read[c.id] = await readContribution(session, BigInt(datanet.id), BigInt(c.id));
    setPreviews(read);
  });
  return (
    <Card withBorder data-testid="curator-queue">
      <Title order={3} size="h4" mb="xs">
        Review queue
      </Title>
      <Text size="sm" mb="sm">
        Accepting returns the contributor&apos;s {formatOpen(datanet.contributionBond)} bond and lets the
        contribution earn; rejecting sends the bond to the protocol treasury (never to you). A contributor
        cannot review their own contribution.
      </Text>
      {pending.length === 0 ? (
        <Empty>Nothing waits for review.</Empty>
      ) : (
        <Stack gap="sm">
          <Group>
            <Button variant="default" size="xs" onClick={() => preview.run()} loading={preview.busy}>
              Show the pending contents
            </Button>
          </Group>
          {pending.map((c) => (
            <Card key={c.id} withBorder padding="sm" data-testid={`pending-${c.id}`}>
              <Group justify="space-between" wrap="wrap">
                <Text size="sm">
                  #{c.id} by <AddressText address={c.contributor} />, {formatTime(c.submittedAt)}, bond{" "}
                  <Open wei={c.bond} />
                </Text>
                <Group gap="xs">
                  <Button
                    size="xs"
                    color="green"
                    onClick={() => review.run(c.id, "accept")}
                    loading={review.busy}
                  >
                    Accept (bond back)
                  </Button>
                  <Button
                    size="xs"
                    color="red"
                    variant="light"
                    onClick={() => review.run(c.id, "reject")}
                    loading={review.busy}
                  >
                    Reject (bond to treasury)
                  </Button>
                </Group>
              </Group>
              {previews[c.id] !== undefined && (
                <Code
                  block
                  style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}
                  mt="xs"
                  data-testid={`pending-content-${c.id}`}
                >
                  {previews[c.id]}
                </Code>
              )}
            </Card>
          ))}
        </Stack>
      )}
      <ErrorText error={review.error ?? preview.error} />
    </Card>
  );
}

function OwnerPanel({
  datanet,
  grants,
  refresh,
}: {
  datanet: DatanetDetail;
  grants: GrantRow[];
  refresh: () => void;
}) {
  const { contracts } = useApp();
  const { signer } = useWallet();
  const decide = useAction(async (account: string, decision: "approve" | "deny" | "revoke") => {
    if (!signer) throw new Error("Choose an account first.");
    const action = { approve: approveAccess, deny: denyAccess, revoke: revokeAccess }[decision];
    await action(signer.client, { contracts, datanetId: BigInt(datanet.id), account: account as Address });
    refresh();
  });
  const requested = grants.filter((g) => g.status === "requested");
  const granted = grants.filter((g) => g.status === "granted");
  return (
    <Card withBorder data-testid="owner-panel">
      <Title order={3} size="h4" mb="xs">
        Owner: access requests
      </Title>
      {requested.length === 0 ? (
        <Empty>No access request waits for you.</Empty>
      ) : (
        <Stack gap="xs">
          {requested.map((g) => (
            <Group key={g.account} justify="space-between" wrap="wrap" data-testid={`request-${g.account}`}>
              <Text size="sm">
                <AddressText address={g.account} /> asked on {formatTime(g.requestedAt)}, <Open wei={g.fee} />{" "}
                in escrow
              </Text>
              <Group gap="xs">
                <Button size="xs" onClick={() => decide.run(g.account, "approve")} loading={decide.busy}>
                  Approve ({formatOpen(g.fee)} to you)
                </Button>
                <Button
                  size="xs"
                  variant="light"
                  color="red"
                  onClick={() => decide.run(g.account, "deny")}
                  loading={decide.busy}
                >
                  Deny (refund)
                </Button>
              </Group>
            </Group>
          ))}
        </Stack>
      )}
      {granted.length > 0 && (
        <>
          <Text size="sm" fw={500} mt="md">
            Readers
          </Text>
          {granted.map((g) => (
            <Group key={g.account} justify="space-between" wrap="wrap">
              <Text size="sm">
                <AddressText address={g.account} /> since {formatTime(g.updatedAt)}
              </Text>
              <Button size="xs" variant="subtle" color="red" onClick={() => decide.run(g.account, "revoke")}>
                Revoke (fee kept)
              </Button>
            </Group>
          ))}
        </>
      )}
      <ErrorText error={decide.error} />
    </Card>
  );
}

function ContributionsTable({
  datanet,
  contributions,
}: {
  datanet: DatanetDetail;
  contributions: ContributionRow[];
}) {
  const { contracts, config } = useApp();
  const { signer } = useWallet();
  const [contents, setContents] = useState<Record<string, string> | null>(null);
  const load = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    const session = await openSession(signer.account, {
      chainId: config.chainId,
      datanetRegistry: contracts.DatanetRegistry,
      datanetId: BigInt(datanet.id),
    });
    const read: Record<string, string> = {};
    const readable =
      session.scope === "own-contributions"
        ? contributions.filter((c) => c.contributor.toLowerCase() === signer.address.toLowerCase())
        : contributions;
    for (const c of readable.slice(0, 50))
      read[c.id] = await readContribution(session, BigInt(datanet.id), BigInt(c.id));
    setContents(read);
  });
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4">
          Contributions
        </Title>
        <Button variant="default" size="xs" onClick={() => load.run()} loading={load.busy} disabled={!signer}>
          Preview contents
        </Button>
      </Group>
      <Text size="xs" c="dimmed" mb="xs">
        Contents are served by the data gateway only to readers with access (the owner, curators, granted
        developers, keepers) and to each contributor for their own, after a signed request.
      </Text>
      <ErrorText error={load.error} />
      {contributions.length === 0 ? (
        <Empty>No contribution yet.</Empty>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table fz="sm" data-testid="contributions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Contributor</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Earned</Table.Th>
                <Table.Th>Content</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {contributions.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.id}</Table.Td>
                  <Table.Td>
                    <AddressText address={c.contributor} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={c.status} />
                  </Table.Td>
                  <Table.Td>
                    <Open wei={c.earned} />
                    <Text size="xs" c="dimmed">
                      {c.attributionCount} answers
                    </Text>
                  </Table.Td>
                  <Table.Td data-testid={`content-${c.id}`}>
                    {contents?.[c.id] !== undefined ? (
                      <Text size="xs" style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
                        {contents[c.id]}
                      </Text>
                    ) : (
                      <HashText hash={c.contentHash} />
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}
