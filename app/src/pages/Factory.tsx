import {
  Accordion,
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  NumberInput,
  Progress as ProgressBar,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { registerModel, signDataAccessRequest } from "@payable-ai/sdk";
import { createParser } from "eventsource-parser";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { bytesToHex } from "viem";
import { useApp } from "../app.js";
import { Empty, ErrorText, Loading, useAction } from "../components/feedback.js";
import { LossChart, type LossPoint } from "../components/LossChart.js";
import { HashText, UriLink } from "../components/values.js";
import { FACTORY, factory, type Job, type Preset, type Progress, TERMINAL } from "../factory.js";
import { formatDuration, formatOpen, parseOpen } from "../format.js";
import { openSession, readContribution } from "../gateway.js";
import { type Page, useLiveQuery } from "../indexer.js";
import { nameOf, parseMetadata } from "../metadata.js";
import { useWallet } from "../wallet.js";

type Field = {
  key: string;
  label: string;
  help: string;
  min: number;
  max: number;
  step?: number;
  integer?: boolean;
};

/** The settings the advanced panel offers, each with what it does and the range the service accepts. */
const FIELDS: Field[] = [
  {
    key: "rank",
    label: "LoRA rank",
    help: "Size of the adapter's low-rank matrices: more capacity, a bigger file.",
    min: 1,
    max: 256,
    integer: true,
  },
  {
    key: "alpha",
    label: "LoRA alpha",
    help: "Scale of the adapter's update (alpha / rank multiplies it).",
    min: 0.01,
    max: 1024,
  },
  {
    key: "learningRate",
    label: "Learning rate",
    help: "Step size of AdamW; too high diverges, too low learns nothing.",
    min: 0.000001,
    max: 1,
    step: 0.001,
  },
  {
    key: "epochs",
    label: "Epochs",
    help: "Passes over the training examples; memorizing takes hundreds.",
    min: 0.1,
    max: 1000,
  },
  {
    key: "maxSteps",
    label: "Max steps",
    help: "Stop after this many optimizer steps (overrides epochs).",
    min: 1,
    max: 100_000,
    integer: true,
  },
  {
    key: "batchSize",
    label: "Batch size",
    help: "Examples per step: larger is smoother and slower per step.",
    min: 1,
    max: 256,
    integer: true,
  },
  {
    key: "evalEvery",
    label: "Evaluate every",
    help: "Steps between evaluations on the held-out split.",
    min: 1,
    max: 100_000,
    integer: true,
  },
];

function validate(field: Field, value: number | string | undefined): string | null {
  if (value === undefined || value === "") return null;
  const n = Number(value);
  if (!Number.isFinite(n)) return `${field.label} must be a number.`;
  if (field.integer && !Number.isInteger(n)) return `${field.label} must be a whole number.`;
  if (n < field.min || n > field.max) return `${field.label} must be between ${field.min} and ${field.max}.`;
  return null;
}

type DatanetOption = { id: string; metadataUri: string; acceptedCount: number };
type AcceptedContribution = { id: string; contributor: string };

export function FactoryPage() {
  return (
    <Stack>
      <Title order={2}>Model Factory</Title>
      <Text size="sm" c="dimmed">
        Fine-tune a LoRA adapter on a datanet you have access to, watch it learn, compare it with the base
        model, then register it on-chain so anyone can pay to ask it and its data is paid for every answer.
      </Text>
      <NewJob />
      <JobHistory />
    </Stack>
  );
}

function NewJob() {
  const { config, contracts, publicClient } = useApp();
  const { signer } = useWallet();
  const navigate = useNavigate();
  const [baseModels, setBaseModels] = useState<string[]>([]);
  const [presets, setPresets] = useState<Record<string, Preset>>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [baseModel, setBaseModel] = useState<string | null>(null);
  const [preset, setPreset] = useState("memorize");
  const [overrides, setOverrides] = useState<Record<string, number | string>>({});
  const [datanetId, setDatanetId] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string> | null>(null);
  const [name, setName] = useState("");
  const [access, setAccess] = useState<boolean | null>(null);
  const [preview, setPreview] = useState<{ id: string; text: string }[] | null>(null);

  useEffect(() => {
    Promise.all([factory.baseModels(), factory.presets()])
      .then(([b, p]) => {
        setBaseModels(b.baseModels);
        setBaseModel((m) => m ?? b.baseModels[0] ?? null);
        setPresets(p.presets);
      })
      .catch((e: Error) => setLoadError(`The Model Factory could not be reached: ${e.message}`));
  }, []);

  const [datanets] = useLiveQuery<{ datanets: Page<DatanetOption> }>(
    `query { datanets(orderBy: "id", limit: 100) { items { id metadataUri acceptedCount } } }`,
  );
  useEffect(() => {
    if (datanetId === null && datanets.data?.datanets.items[0])
      setDatanetId(datanets.data.datanets.items[0].id);
  }, [datanets.data, datanetId]);
  const [contributions] = useLiveQuery<{ contributions: Page<AcceptedContribution> }>(
    `query ($id: BigInt!) { contributions(where: { datanetId: $id, status: "accepted" }, orderBy: "id", limit: 1000) { items { id contributor } } }`,
    { id: datanetId ?? "0" },
    10_000,
  );
  const accepted = contributions.data?.contributions.items ?? [];
  const chosen = selected ?? new Set(accepted.map((c) => c.id));

  useEffect(() => {
    setAccess(null);
    setPreview(null);
    setSelected(null);
    if (!signer || datanetId === null) return;
    import("@payable-ai/sdk").then(({ hasAccess }) =>
      hasAccess(publicClient, { contracts, datanetId: BigInt(datanetId), account: signer.address }).then(
        setAccess,
      ),
    );
  }, [signer, datanetId, publicClient, contracts]);

  const shown = { ...(presets[preset]?.hyperparameters ?? {}) };
  const errors = FIELDS.map((f) => validate(f, overrides[f.key])).filter((e): e is string => e !== null);
  const datanetName = nameOf(
    "Datanet",
    datanetId ?? "",
    datanets.data?.datanets.items.find((d) => d.id === datanetId)?.metadataUri,
  );

  const loadPreview = useAction(async () => {
    if (!signer || datanetId === null) throw new Error("Choose an account and a datanet first.");
    const session = await openSession(signer.account, {
      chainId: config.chainId,
      datanetRegistry: contracts.DatanetRegistry,
      datanetId: BigInt(datanetId),
    });
    const ids = [...chosen].slice(0, 5);
    setPreview(
      await Promise.all(
        ids.map(async (id) => ({ id, text: await readContribution(session, BigInt(datanetId), BigInt(id)) })),
      ),
    );
  });

  const launch = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    if (datanetId === null || !baseModel) throw new Error("Choose a datanet and a base model.");
    if (!access)
      throw new Error(`You have no access to datanet ${datanetId} yet: request it on the datanet's page.`);
    if (chosen.size === 0) throw new Error("Choose at least one contribution to train on.");
    if (errors.length > 0) throw new Error(errors[0]);
    const hyperparameters: Record<string, number> = {};
    for (const f of FIELDS)
      if (overrides[f.key] !== undefined && overrides[f.key] !== "")
        hyperparameters[f.key] = Number(overrides[f.key]);
    // The factory reads the data as this account: a signed, one-hour access request for the gateway.
    const { request, signature } = await signDataAccessRequest(signer.account, {
      chainId: config.chainId,
      datanetRegistry: contracts.DatanetRegistry,
      datanetId: BigInt(datanetId),
      validForSeconds: 3600,
      nonce: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
    });
    const job = await factory.createJob({
      name: name.trim() || `${datanetName} · ${preset} · ${new Date().toLocaleString("en-GB")}`,
      baseModel,
      datanets: [{ datanetId, contributionIds: [...chosen] }],
      access: [
        {
          request: {
            ...request,
            datanetId: request.datanetId.toString(),
            expiresAt: request.expiresAt.toString(),
          },
          signature,
        },
      ],
      preset,
      hyperparameters,
    });
    navigate(`/factory/jobs/${job.id}`);
  });

  if (loadError) return <ErrorText error={loadError} />;
  return (
    <Card withBorder data-testid="new-job">
      <Title order={3} size="h4" mb="sm">
        New fine-tune
      </Title>
      <Stack gap="md">
        <div>
          <Text fw={500} size="sm">
            1. Data
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Datanet"
              data={(datanets.data?.datanets.items ?? []).map((d) => ({
                value: d.id,
                label: `${nameOf("Datanet", d.id, d.metadataUri)} (#${d.id}, ${d.acceptedCount} accepted)`,
              }))}
              value={datanetId}
              onChange={setDatanetId}
            />
            <div
              data-testid="factory-access"
              data-access={access === null ? "unknown" : access ? "granted" : "none"}
            >
              <Text size="xs" c="dimmed">
                Your access
              </Text>
              {!signer ? (
                <Text size="sm">Choose an account.</Text>
              ) : access === null ? (
                <Loading what="access" />
              ) : access ? (
                <Text size="sm">Granted: the factory can read this datanet as you.</Text>
              ) : (
                <Text size="sm">
                  None yet.{" "}
                  <Anchor component={Link} to={`/datanets/${datanetId}`}>
                    Request access
                  </Anchor>{" "}
                  and wait for the owner&apos;s approval before training.
                </Text>
              )}
            </div>
          </SimpleGrid>
          {accepted.length > 0 ? (
            <Stack gap={4} mt="xs">
              <Group gap="xs">
                <Text size="sm">
                  {chosen.size} of {accepted.length} accepted contributions selected
                </Text>
                <Button
                  size="compact-xs"
                  variant="subtle"
                  onClick={() => setSelected(new Set(accepted.map((c) => c.id)))}
                >
                  all
                </Button>
                <Button size="compact-xs" variant="subtle" onClick={() => setSelected(new Set())}>
                  none
                </Button>
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() => loadPreview.run()}
                  loading={loadPreview.busy}
                  disabled={!access}
                >
                  Preview the data
                </Button>
              </Group>
              <Group gap="xs" data-testid="contribution-choice">
                {accepted.map((c) => (
                  <Checkbox
                    key={c.id}
                    label={`#${c.id}`}
                    aria-label={`contribution ${c.id}`}
                    checked={chosen.has(c.id)}
                    onChange={(e) => {
                      const next = new Set(chosen);
                      if (e.currentTarget.checked) next.add(c.id);
                      else next.delete(c.id);
                      setSelected(next);
                    }}
                  />
                ))}
              </Group>
            </Stack>
          ) : (
            <Empty>This datanet has no accepted contribution to train on.</Empty>
          )}
          <ErrorText error={loadPreview.error} />
          {preview && (
            <Stack gap={4} mt="xs" data-testid="dataset-preview">
              <Text size="xs" c="dimmed">
                The first {preview.length} selected examples, as the factory will read them:
              </Text>
              {preview.map((p) => (
                <Code key={p.id} block style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
                  #{p.id}: {p.text}
                </Code>
              ))}
            </Stack>
          )}
        </div>
        <div>
          <Text fw={500} size="sm">
            2. Model and settings
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select label="Base model" data={baseModels} value={baseModel} onChange={setBaseModel} />
            <TextInput
              label="Job name"
              placeholder={`${datanetName} · ${preset} · now`}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
            />
          </SimpleGrid>
          <Text size="sm" mt="xs" mb={4}>
            Preset
          </Text>
          <SegmentedControl
            aria-label="preset"
            value={preset}
            onChange={(v) => {
              setPreset(v);
              setOverrides({});
            }}
            data={Object.keys(presets).map((p) => ({
              value: p,
              label: p === "standard" ? "standard (balanced)" : p,
            }))}
          />
          <Text size="sm" c="dimmed" mt={4} data-testid="preset-description">
            {presets[preset]?.description}
          </Text>
          <Accordion mt="xs" variant="contained">
            <Accordion.Item value="advanced">
              <Accordion.Control>Advanced settings</Accordion.Control>
              <Accordion.Panel>
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  {FIELDS.map((f) => (
                    <NumberInput
                      key={f.key}
                      label={f.label}
                      description={f.help}
                      placeholder={shown[f.key] === undefined ? "from the preset" : String(shown[f.key])}
                      value={overrides[f.key] ?? ""}
                      onChange={(v) => setOverrides({ ...overrides, [f.key]: v })}
                      error={validate(f, overrides[f.key])}
                      decimalScale={f.integer ? 0 : 6}
                      step={f.step ?? 1}
                    />
                  ))}
                </SimpleGrid>
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
        </div>
        <Group>
          <Button onClick={() => launch.run()} loading={launch.busy} disabled={!signer || access !== true}>
            Sign the data request and start training
          </Button>
        </Group>
        <ErrorText error={launch.error} />
      </Stack>
    </Card>
  );
}

function JobHistory() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () =>
      factory
        .jobs()
        .then((r) => {
          setJobs(r.jobs);
          setError(null);
        })
        .catch((e: Error) => setError(`The Model Factory could not be reached: ${e.message}`));
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="xs">
        Jobs
      </Title>
      <ErrorText error={error} />
      {jobs === null && !error ? (
        <Loading what="jobs" />
      ) : jobs?.length === 0 ? (
        <Empty>No fine-tune yet.</Empty>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table fz="sm" data-testid="jobs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {jobs?.map((j) => (
                <Table.Tr key={j.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/factory/jobs/${j.id}`}>
                      {j.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{new Date(j.createdAt).toLocaleString("en-GB")}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{j.status}</Badge>
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

/** A job: live while it runs (SSE), its whole state from the record once it is done or reopened. */
export function JobPage() {
  const { id = "" } = useParams();
  const [job, setJob] = useState<Job | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [points, setPoints] = useState<LossPoint[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setJob(null);
    setError(null);
    const source = new EventSource(`${FACTORY}/jobs/${id}/events`);
    source.addEventListener("status", (e) => {
      const next = JSON.parse((e as MessageEvent).data) as Job;
      setJob(next);
      setProgress((p) => next.progress ?? p);
      // The record carries the whole curve so far; live steps are appended after it.
      setPoints((old) => {
        const merged = new Map<number, LossPoint>();
        for (const l of next.losses ?? []) merged.set(l.step, { step: l.step, loss: l.loss });
        for (const p of old) merged.set(p.step, { ...merged.get(p.step), ...p });
        for (const ev of next.evals)
          merged.set(ev.step, { ...merged.get(ev.step), step: ev.step, evalLoss: ev.loss });
        return [...merged.values()].sort((a, b) => a.step - b.step);
      });
      if (TERMINAL.includes(next.status)) source.close();
    });
    source.addEventListener("progress", (e) => {
      const p = JSON.parse((e as MessageEvent).data) as Progress;
      setProgress(p);
      setPoints((old) => {
        const rest = old.filter((x) => x.step !== p.step);
        const prior = old.find((x) => x.step === p.step);
        return [
          ...rest,
          {
            ...prior,
            step: p.step,
            loss: p.loss,
            ...(p.evalLoss !== undefined ? { evalLoss: p.evalLoss } : {}),
          },
        ].sort((a, b) => a.step - b.step);
      });
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setError("The Model Factory closed the progress stream.");
    };
    return () => source.close();
  }, [id]);
  if (error && !job) return <ErrorText error={error} />;
  if (!job) return <Loading what="the job" />;
  const done = TERMINAL.includes(job.status);
  const total = progress?.totalSteps ?? job.output?.steps ?? 1;
  return (
    <Stack>
      <Anchor component={Link} to="/factory" size="sm">
        ← Model Factory
      </Anchor>
      <Group justify="space-between">
        <Title order={2} style={{ wordBreak: "break-word" }}>
          {job.name}
        </Title>
        <Badge size="lg" variant="light" data-testid="job-status">
          {job.status}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        Started {new Date(job.createdAt).toLocaleString("en-GB")} · base {job.baseModel} · preset{" "}
        {job.preset ?? "chosen from the data"} · datanet{" "}
        {job.datanets.map((d) => `#${d.datanetId} (${d.contributionIds.length} contributions)`).join(", ")}
      </Text>
      <Card withBorder>
        {progress ? (
          <Stack gap={4} data-testid="progress" data-step={progress.step} data-total={progress.totalSteps}>
            <ProgressBar
              value={(100 * progress.step) / Math.max(1, progress.totalSteps)}
              aria-label="training progress"
            />
            <Text size="sm">
              step {progress.step}/{progress.totalSteps} · loss {progress.loss.toFixed(3)}
              {progress.evalLoss !== undefined && ` · eval ${progress.evalLoss.toFixed(3)}`} ·{" "}
              {progress.tokensPerSecond.toFixed(0)} tokens/s ·{" "}
              {done
                ? `took ${formatDuration(progress.elapsedSeconds)}`
                : `about ${formatDuration(progress.etaSeconds)} left`}
            </Text>
          </Stack>
        ) : (
          <Text size="sm">
            {job.status === "queued" || job.status === "fetching" ? "Reading the data…" : "No progress yet."}
          </Text>
        )}
        <LossChart points={points} totalSteps={total} />
        {!done && (
          <Group mt="xs">
            <Button variant="default" size="xs" onClick={() => factory.cancel(job.id).catch(() => undefined)}>
              Cancel
            </Button>
          </Group>
        )}
        {job.error && <ErrorText error={job.error} />}
      </Card>
      {job.status === "completed" && job.output && (
        <>
          <Evaluation job={job} />
          <Compare job={job} />
          <Register job={job} />
        </>
      )}
    </Stack>
  );
}

function Evaluation({ job }: { job: Job }) {
  const output = job.output as NonNullable<Job["output"]>;
  return (
    <Card withBorder data-testid="evaluation">
      <Title order={3} size="h4" mb="xs">
        Evaluation
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        {job.evaluation && (
          <div>
            <Text size="xs" c="dimmed">
              Exact answers on the training data, fine-tuned / base
            </Text>
            <Text data-testid="exact-answers">
              {job.evaluation.tuned.exactMatches}/{job.evaluation.trainExamples} /{" "}
              {job.evaluation.base.exactMatches}/{job.evaluation.trainExamples}
            </Text>
          </div>
        )}
        {output.evalLossBase !== null && output.evalLossTuned !== null && (
          <div>
            <Text size="xs" c="dimmed">
              Eval loss, base → fine-tuned
            </Text>
            <Text>
              {output.evalLossBase.toFixed(3)} → {output.evalLossTuned.toFixed(3)}
            </Text>
          </div>
        )}
        <div>
          <Text size="xs" c="dimmed">
            Adapter sha256
          </Text>
          <HashText hash={output.adapterHash} />
        </div>
      </SimpleGrid>
    </Card>
  );
}

function Compare({ job }: { job: Job }) {
  const [prompt, setPrompt] = useState("");
  const [answers, setAnswers] = useState<{ base: string; tuned: string } | null>(null);
  const compare = useAction(async () => {
    if (!prompt.trim()) throw new Error("Write a question to compare the answers.");
    setAnswers(null);
    setAnswers(await factory.compare(job.id, prompt));
  });
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="xs">
        Side by side
      </Title>
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="Question"
          aria-label="compare prompt"
          value={prompt}
          onChange={(e) => setPrompt(e.currentTarget.value)}
          style={{ flex: "1 1 240px" }}
        />
        <Button onClick={() => compare.run()} loading={compare.busy}>
          Compare
        </Button>
      </Group>
      <ErrorText error={compare.error} />
      {answers && (
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt="sm" data-testid="compare">
          <div>
            <Text size="xs" c="dimmed">
              Base model
            </Text>
            <Code block style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }} data-testid="answer-base">
              {answers.base}
            </Code>
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Fine-tuned
            </Text>
            <Code
              block
              style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}
              data-testid="answer-tuned"
            >
              {answers.tuned}
            </Code>
          </div>
        </SimpleGrid>
      )}
    </Card>
  );
}

function Register({ job }: { job: Job }) {
  const { contracts } = useApp();
  const { signer } = useWallet();
  const output = job.output as NonNullable<Job["output"]>;
  const meta = parseMetadata(output.metadataURI);
  const [price, setPrice] = useState("2");
  const [registered, setRegistered] = useState<string | null>(null);
  const [{ data }, refresh] = useLiveQuery<{ models: Page<{ id: string }> }>(
    `query ($hash: String!) { models(where: { adapterHash: $hash }, limit: 1) { items { id } } }`,
    { hash: output.adapterHash.toLowerCase() },
  );
  const existing = data?.models.items[0]?.id ?? registered;
  const register = useAction(async () => {
    if (!signer) throw new Error("Choose an account first.");
    if (!output.manifestRoot)
      throw new Error("This job has no training manifest, so keepers could not attribute its answers.");
    const result = await registerModel(signer.client, {
      contracts,
      baseModelId: job.baseModel,
      adapterHash: output.adapterHash,
      adapterURI:
        output.adapterURI ?? new URL(`${FACTORY}/jobs/${job.id}/adapter`, window.location.href).href,
      manifestRoot: output.manifestRoot,
      datanetIds: job.datanets.map((d) => BigInt(d.datanetId)),
      pricePerRequest: parseOpen(price, "price"),
      metadataURI: output.metadataURI,
    });
    setRegistered(result.modelId.toString());
    refresh();
  });
  return (
    <Card withBorder data-testid="register">
      <Title order={3} size="h4" mb="xs">
        Register on-chain
      </Title>
      <Table fz="sm" withRowBorders={false} verticalSpacing={2} mb="sm">
        <Table.Tbody>
          <Table.Tr>
            <Table.Td>Name</Table.Td>
            <Table.Td>{meta?.name ?? job.name}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Base model</Table.Td>
            <Table.Td>{job.baseModel}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Training manifest</Table.Td>
            <Table.Td>
              {output.manifestURI ? (
                <UriLink uri={output.manifestURI}>{output.contributions} contributions</UriLink>
              ) : (
                "—"
              )}{" "}
              <HashText hash={output.manifestRoot} />
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Datanets</Table.Td>
            <Table.Td>{job.datanets.map((d) => `#${d.datanetId}`).join(", ")}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {existing ? (
        <Alert color="green" data-testid="registered" data-model={existing}>
          This adapter is registered as model <b data-testid="model-id">{existing}</b>.{" "}
          <Anchor component={Link} to={`/playground?model=${existing}`}>
            Ask it in the Playground
          </Anchor>
        </Alert>
      ) : (
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Price per request (OPEN)"
            aria-label="price"
            value={price}
            onChange={(e) => setPrice(e.currentTarget.value)}
            w={200}
          />
          <Button onClick={() => register.run()} loading={register.busy}>
            Register model
          </Button>
        </Group>
      )}
      <Text size="xs" c="dimmed" mt="xs">
        Every request pays the price: the protocol, the keeper that answers, you as the model&apos;s owner,
        and the contributions the answer used. At {formatOpen(parseOpenSafe(price))} a request.
      </Text>
      <ErrorText error={register.error} />
    </Card>
  );
}

function parseOpenSafe(text: string): bigint {
  try {
    return parseOpen(text);
  } catch {
    return 0n;
  }
}

/** Helpers the Playground shares: the factory job that produced a model, for its free preview. */
export function useJobForAdapter(adapterHash: string | null | undefined): Job | null {
  const [job, setJob] = useState<Job | null>(null);
  const load = useCallback(async () => {
    if (!adapterHash) return setJob(null);
    const { jobs } = await factory.jobs();
    setJob(jobs.find((j) => j.output?.adapterHash.toLowerCase() === adapterHash.toLowerCase()) ?? null);
  }, [adapterHash]);
  useEffect(() => {
    load().catch(() => setJob(null));
  }, [load]);
  return job;
}

/** Streams the factory's free preview of a model's answer (no payment, nobody is paid). */
export function useStreamedPreview() {
  const [answer, setAnswer] = useState("");
  const [done, setDone] = useState(false);
  const [sources, setSources] = useState<{ n: number; contributionId: string; score: number }[]>([]);
  const [cited, setCited] = useState<string[]>([]);
  const run = useMemo(
    () => async (jobId: string, modelId: string, question: string) => {
      setAnswer("");
      setDone(false);
      setSources([]);
      setCited([]);
      const response = await factory.chat(jobId, { model: modelId, question, maxTokens: 96 });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? `the Model Factory answered ${response.status}`);
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      // A failure after the stream began arrives as `event: error` with the usual error body.
      let failure: string | null = null;
      const parser = createParser({
        onEvent: ({ event, data }) => {
          const parsed = JSON.parse(data);
          if (event === "sources") setSources(parsed);
          else if (event === "token") setAnswer((a) => a + parsed.text);
          else if (event === "done") {
            setCited(parsed.cited ?? []);
            setDone(true);
          } else if (event === "error")
            failure = `The preview stopped: ${parsed.error?.message ?? "the Model Factory reported an error"}${parsed.error?.code ? ` (${parsed.error.code})` : ""}.`;
        },
      });
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        parser.feed(decoder.decode(value, { stream: true }));
        if (failure !== null) {
          await reader.cancel().catch(() => {});
          break;
        }
      }
      if (failure !== null) throw new Error(failure);
      setDone(true);
    },
    [],
  );
  return { answer, done, sources, cited, run };
}
