import { Alert, Badge, Button, Card, Group, Select, Stack, Text, Textarea, Title } from "@mantine/core";
import { getRequestPayout, type RequestPayout, requestInference, waitForReport } from "@payable-ai/sdk";
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { useApp } from "../app.js";
import { type CitedSpan, markCitations, markSpans, numberSources } from "../citations.js";
import { CitedText, SourceList } from "../components/Citations.js";
import { Empty, ErrorText, Loading, useAction } from "../components/feedback.js";
import { AddressText, Open } from "../components/values.js";
import { formatBps, formatOpen } from "../format.js";
import { hashOf, readPublicText, uploadBlob } from "../gateway.js";
import { indexerGet, type Page, useLiveQuery } from "../indexer.js";
import { nameOf } from "../metadata.js";
import { useWallet } from "../wallet.js";
import type { ModelRow } from "./Explore.js";
import { useJobForAdapter, useStreamedPreview } from "./Factory.js";

type Paid = { requestId: bigint; fee: bigint; stage: "waiting" | "reported" | "settled" };

/** What the indexer tells of an answered request: the keepers' spans behind its attribution. */
type AnswerDetail = { output: string | null; spans: CitedSpan[] | null; notes: string[] };

/**
 * The keepers' spans of a reported answer, through the indexer (which reads them from a keeper and
 * checks them against the output); a few tries, since the indexer follows the chain a block behind.
 */
async function readSpans(requestId: bigint, signal: AbortSignal): Promise<AnswerDetail> {
  let detail: AnswerDetail = { output: null, spans: null, notes: [] };
  for (let attempt = 0; attempt < 20 && !signal.aborted; attempt++) {
    detail = await indexerGet<AnswerDetail>(`/requests/${requestId}`, signal).catch((e: Error) => ({
      output: null,
      spans: null,
      notes: [e.message],
    }));
    if (detail.spans !== null) return detail;
    await new Promise((r) => setTimeout(r, 1500));
  }
  return detail;
}

export function PlaygroundPage() {
  const [params, setParams] = useSearchParams();
  const [{ data, fetching, error }] = useLiveQuery<{ models: Page<ModelRow> }>(
    `query { models(where: { status: "active" }, orderBy: "id", limit: 100) { items { id owner isComposite baseModelId adapterHash manifestRoot datanetIds pricePerRequest metadataUri status requestCount finalizedCount feeVolume modelRevenue } } }`,
  );
  const models = data?.models.items ?? [];
  const modelId = params.get("model") ?? models[0]?.id ?? null;
  const model = models.find((m) => m.id === modelId);
  return (
    <Stack>
      <Title order={2}>Playground</Title>
      <Text size="sm" c="dimmed">
        Ask a model a question. Paying goes through the market: the keepers run the model, attribute the
        answer to the data it came from and sign a report; then the fee is split among the protocol, the
        keeper, the model&apos;s owner and those contributors.
      </Text>
      {error && !data && <ErrorText error={`The indexer could not be read: ${error.message}`} />}
      {fetching && !data ? (
        <Loading what="models" />
      ) : models.length === 0 ? (
        <Empty>No model can be asked yet. Register one in the Model Factory.</Empty>
      ) : (
        <>
          <Select
            label="Model"
            data={models.map((m) => ({
              value: m.id,
              label: `${nameOf("Model", m.id, m.metadataUri)} (#${m.id}) · ${formatOpen(m.pricePerRequest)} per request`,
            }))}
            value={modelId}
            onChange={(v) => v && setParams({ model: v })}
          />
          {model && <Ask key={model.id} model={model} />}
        </>
      )}
    </Stack>
  );
}

function Ask({ model }: { model: ModelRow }) {
  const { publicClient, contracts } = useApp();
  const { signer } = useWallet();
  const [question, setQuestion] = useState("");
  const [paid, setPaid] = useState<Paid | null>(null);
  const [answer, setAnswer] = useState<string | null>(null);
  const [payout, setPayout] = useState<RequestPayout | null>(null);
  const [spans, setSpans] = useState<AnswerDetail | null>(null);
  const job = useJobForAdapter(model.adapterHash);
  const preview = useStreamedPreview();
  const watch = useRef<AbortController | null>(null);
  useEffect(() => () => watch.current?.abort(), []);

  const ask = useAction(async () => {
    if (!signer) throw new Error("Choose an account first: the requester pays the model's price.");
    const text = question.trim();
    if (!text) throw new Error("Write a question.");
    watch.current?.abort();
    const controller = new AbortController();
    watch.current = controller;
    setPaid(null);
    setAnswer(null);
    setPayout(null);
    setSpans(null);
    const bytes = new TextEncoder().encode(text);
    await uploadBlob(bytes, "public");
    // One flow: the SDK approves exactly the price shown, then pays it into escrow.
    const fee = BigInt(model.pricePerRequest);
    const { requestId } = await requestInference(signer.client, {
      contracts,
      modelId: BigInt(model.id),
      inputHash: hashOf(bytes),
      inputURI: `blob:${hashOf(bytes)}`,
      maxFee: fee,
    });
    setPaid({ requestId, fee, stage: "waiting" });
    const { report } = await waitForReport(publicClient, {
      contracts,
      requestId,
      timeoutMs: 180_000,
      pollingIntervalMs: 1000,
      signal: controller.signal,
    });
    setAnswer(
      report.outputURI.startsWith("blob:") ? await readPublicText(report.outputURI) : report.outputURI,
    );
    setPaid({ requestId, fee, stage: "reported" });
    readSpans(requestId, controller.signal).then(setSpans);
    // The split is an estimate until the challenge window closes and someone finalizes.
    for (;;) {
      const current = await getRequestPayout(publicClient, { contracts, requestId });
      setPayout(current);
      if (current.split?.settlement === "credited" || current.status === "refunded") break;
      await new Promise((r) => setTimeout(r, 2000));
      if (controller.signal.aborted) return;
    }
    setPaid({ requestId, fee, stage: "settled" });
  });

  const free = useAction(async () => {
    if (!job) throw new Error("This model has no free preview here.");
    if (!question.trim()) throw new Error("Write a question.");
    await preview.run(job.id, model.id, question.trim());
  });

  return (
    <Stack>
      <Card withBorder>
        <Textarea
          label="Question"
          autosize
          minRows={2}
          value={question}
          onChange={(e) => setQuestion(e.currentTarget.value)}
        />
        <Group mt="sm">
          <Button
            onClick={() => ask.run()}
            loading={ask.busy && paid === null}
            disabled={!signer || (ask.busy && paid !== null)}
          >
            Pay {formatOpen(model.pricePerRequest)} and ask
          </Button>
          {job && (
            <Button variant="default" onClick={() => free.run()} loading={free.busy}>
              Free preview (not paid, nobody earns)
            </Button>
          )}
        </Group>
        <ErrorText error={ask.error ?? free.error} />
      </Card>
      {(preview.answer || free.busy) && (
        <Card withBorder data-testid="preview">
          <Text size="xs" c="dimmed">
            Free preview from the inference node, streamed
          </Text>
          <CitedText
            testId="preview-answer"
            done={preview.done}
            idPrefix="preview-source"
            segments={markCitations(preview.answer, preview.sources.length)}
          />
          <SourceList
            testId="preview-sources"
            idPrefix="preview-source"
            title={
              preview.cited.length > 0
                ? "Sources: the contributions retrieved for the question; the answer cites them as [n]"
                : "Retrieved for the question (the answer cites none of them, so it has no marks)"
            }
            sources={preview.sources.map((s) => ({
              n: s.n,
              contributionId: s.contributionId,
              detail: `BM25 score ${s.score.toFixed(2)}${preview.cited.includes(s.contributionId) ? " · cited" : ""}`,
            }))}
          />
        </Card>
      )}
      {paid && (
        <Card withBorder data-testid="paid" data-request={paid.requestId.toString()} data-stage={paid.stage}>
          <Group justify="space-between">
            <Text fw={500}>Request #{paid.requestId.toString()}</Text>
            <Badge variant="light">
              {paid.stage === "waiting"
                ? "waiting for the keepers"
                : paid.stage === "reported"
                  ? "reported"
                  : "paid out"}
            </Badge>
          </Group>
          <Text size="sm">
            {formatOpen(paid.fee)} is held by the market until the keepers report the answer and the challenge
            window passes.
          </Text>
          {answer === null ? (
            <Loading what="the answer" />
          ) : (
            <PaidAnswer answer={answer} payout={payout} detail={spans} />
          )}
          {payout && <WhoGetsPaid payout={payout} />}
        </Card>
      )}
    </Stack>
  );
}

/**
 * The paid answer with a mark after every run of it that the keepers found verbatim in a credited
 * contribution, and the report's attributions as its numbered sources.
 */
function PaidAnswer({
  answer,
  payout,
  detail,
}: {
  answer: string;
  payout: RequestPayout | null;
  detail: AnswerDetail | null;
}) {
  const attributions = payout?.attributions ?? [];
  // Spans index the output the indexer checked against the report's hash: the same text.
  const spans = detail?.output === answer ? (detail.spans ?? []) : [];
  const numbers = numberSources(
    attributions.map((a) => a.contributionId.toString()),
    spans,
  );
  const spanCount = (id: string) => spans.filter((s) => s.contributionIds.includes(id)).length;
  return (
    <>
      <CitedText testId="answer" idPrefix="source" segments={markSpans(answer, spans, numbers)} />
      <SourceList
        testId="sources"
        idPrefix="source"
        title="Sources: the contributions the keepers credited, marked where the answer repeats them"
        sources={attributions
          .map((a) => {
            const id = a.contributionId.toString();
            const found = spanCount(id);
            return {
              n: numbers.get(id) as number,
              contributionId: id,
              datanetId: a.datanetId.toString(),
              detail: `${formatBps(a.weightBps)} of the data share · ${
                found > 0
                  ? `${found} span${found === 1 ? "" : "s"} of the answer found in it`
                  : "credited without a verbatim span (cited or retrieved)"
              }`,
            };
          })
          .sort((x, y) => x.n - y.n)}
      />
      {detail && detail.spans === null && (
        <Text size="xs" c="dimmed">
          The keepers&apos; spans could not be read, so the answer has no marks
          {detail.notes.length ? `: ${detail.notes.join("; ")}` : "."}
        </Text>
      )}
    </>
  );
}

function Payee({
  who,
  account,
  amount,
  testId,
}: {
  who: string;
  account: string;
  amount: bigint;
  testId?: string;
}) {
  return (
    <Group justify="space-between" wrap="wrap" gap={4} data-testid={testId}>
      <Text size="sm" component="div">
        {who}
        <br />
        <AddressText address={account} />
      </Text>
      <Open wei={amount} />
    </Group>
  );
}

/** The report's attribution and the fee split in OPEN: estimated, then as credited. */
function WhoGetsPaid({ payout }: { payout: RequestPayout }) {
  const split = payout.split;
  if (payout.declined)
    return (
      <Alert mt="sm">
        The keepers declined this question ({payout.declined.reason}); the fee is refunded.
      </Alert>
    );
  if (!split) return null;
  return (
    <Stack gap={4} mt="sm" data-testid="payout" data-settlement={split.settlement}>
      <Text fw={500}>
        Who gets paid for this answer{" "}
        {split.settlement === "estimated" ? "(estimated until settlement)" : "(credited)"}
      </Text>
      <Stack gap={6}>
        {split.contributors.map((c) => (
          <Payee
            key={c.contributionId.toString()}
            testId={`payee-contribution-${c.contributionId}`}
            who={`Contribution #${c.contributionId} (${formatBps(c.weightBps)} of the data share)`}
            account={c.payee}
            amount={c.amount}
          />
        ))}
        {split.datanetOwners.map((d) => (
          <Payee
            key={`datanet-${d.datanetId}`}
            who={`Datanet #${d.datanetId} owner (unattributed data share)`}
            account={d.owner}
            amount={d.amount}
          />
        ))}
        {split.modelOwners.map((m) => (
          <Payee key={`model-${m.account}`} who="Model owner" account={m.account} amount={m.amount} />
        ))}
        <Payee who="Keeper that ran it" account={split.executor.account} amount={split.executor.amount} />
        <Payee who="Protocol treasury" account={split.treasury.account} amount={split.treasury.amount} />
      </Stack>
      {split.contributors.length === 0 && (
        <Text size="sm" c="dimmed">
          No contribution shaped this answer, so its data share goes{" "}
          {split.datanetOwners.length ? "to the datanet owners" : "to the treasury"}.
        </Text>
      )}
    </Stack>
  );
}
