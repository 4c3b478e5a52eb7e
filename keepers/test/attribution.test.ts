import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AttributionReport,
  type GatewayClient,
  HttpRequestError,
  inferenceMarketAbi,
  type KeeperAttributionJson,
  requestStatuses,
} from "@payable-ai/sdk";
import { anvilPrivateKeys } from "@payable-ai/sdk/testing";
import { pino } from "pino";
import { type Address, encodeErrorResult, type Hex, sha256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AnswerBuilder, declineReport } from "../src/answer.js";
import type { KeeperChain } from "../src/chain.js";
import { KeeperNode } from "../src/keeper.js";
import { KeeperMetrics } from "../src/metrics.js";
import { reportToJson } from "../src/protocol.js";
import { createKeeperApp } from "../src/server.js";
import type { InferenceClient } from "../src/services.js";
import { KeeperStateStore } from "../src/stateStore.js";

const encoder = new TextEncoder();
const account = privateKeyToAccount(anvilPrivateKeys[7]);
const market = "0x00000000000000000000000000000000000000aa" as Address;
const requester = "0x00000000000000000000000000000000000000cc" as Address;

const contributions = [
  "The Nile is the longest river in Africa and flows north into the Mediterranean Sea.",
  "Mount Kilimanjaro is the highest mountain in Africa, rising 5895 metres above sea level.",
  "Honey bees tell each other where flowers are with a waggle dance inside the hive.",
].map((text, i) => ({
  contributionId: BigInt(i + 1),
  datanetId: 1n,
  text,
  contentHash: sha256(encoder.encode(text)),
  uri: `blob:contribution-${i + 1}`,
}));
const question = "Which river is the longest in Africa?";
const output = "The Nile is the longest river in Africa and flows north into the Mediterranean Sea [1].";

/**
 * A chain and a gateway held in memory: one datanet with the three contributions above, model 1
 * trained on it, and requests whose on-chain status and report the test sets.
 */
function world() {
  const blobs = new Map<string, Uint8Array>();
  const put = (text: string) => {
    const bytes = encoder.encode(text);
    const hash = sha256(bytes);
    blobs.set(hash, bytes);
    return hash;
  };
  const inputHash = put(question);
  const outputHash = put(output);
  const onchain = new Map<bigint, { status: number; reportDigest: Hex; report?: AttributionReport }>();
  let composite = false;
  const downloads = { count: 0, fail: false };
  const chain = {
    chainId: 31337,
    confirmations: 0,
    contracts: { InferenceMarket: market },
    getRequest: async (requestId: bigint) => {
      // The market reverts for an id it never issued.
      if (!onchain.has(requestId)) {
        const data = encodeErrorResult({
          abi: inferenceMarketAbi,
          errorName: "MarketUnknownRequest",
          args: [requestId],
        });
        throw Object.assign(new Error("execution reverted"), { data });
      }
      const status = onchain.get(requestId)?.status ?? 0;
      return {
        requester,
        deadline: 10_000n,
        status,
        statusName: requestStatuses[status],
        round: 0,
        executor: account.address,
        challengeEndsAt: 0n,
        modelId: 1n,
        fee: 1000n,
        reportDigest: onchain.get(requestId)?.reportDigest ?? `0x${"00".repeat(32)}`,
      };
    },
    submittedReport: async (requestId: bigint, digest: Hex) => {
      const entry = onchain.get(requestId);
      return entry?.reportDigest === digest ? entry.report : undefined;
    },
    requestEvent: async (requestId: bigint) =>
      onchain.has(requestId) ? eventOf(requestId, inputHash) : undefined,
    getModel: async (modelId: bigint) => ({
      modelId,
      adapterHash: `0x${"ad".repeat(32)}` as Hex,
      manifestRoot: `0x${"00".repeat(32)}` as Hex,
      metadataURI: "data:,",
      isComposite: composite,
      datanetIds: [1n],
    }),
    acceptedContributions: async () => contributions,
    maxAttributions: async () => 32,
    latestBlock: async () => ({ number: 10n, timestamp: 1000n }),
    scheduledExecutor: async () => ({ executor: account.address, turn: 0n, nextTurnAt: 1015n }),
    signingQuorum: async () => ({ quorum: 2, stake: 2n }),
    activeStakeOf: async () => 1n,
  };
  const gateway = {
    getBlob: async (hash: Hex) => {
      downloads.count++;
      if (downloads.fail)
        throw new HttpRequestError("GET /blobs failed with 503.", { url: "/blobs", status: 503 });
      const bytes = blobs.get(hash);
      if (bytes === undefined)
        throw new HttpRequestError(`GET /blobs/${hash} failed with 404.`, { url: "/blobs", status: 404 });
      return bytes;
    },
    readContribution: async (_datanetId: bigint, contributionId: bigint) => ({
      bytes: encoder.encode(contributions.find((c) => c.contributionId === contributionId)?.text ?? ""),
    }),
  };
  return {
    chain: chain as unknown as KeeperChain,
    gateway: gateway as unknown as GatewayClient,
    inputHash,
    outputHash,
    onchain,
    downloads,
    setComposite: (value: boolean) => {
      composite = value;
    },
  };
}

function eventOf(requestId: bigint, inputHash: Hex) {
  return {
    requestId,
    requester,
    modelId: 1n,
    inputHash,
    inputURI: `blob:${inputHash}`,
    fee: 1000n,
    deadline: 10_000n,
    blockNumber: 5n,
    blockHash: `0x${"22".repeat(32)}` as Hex,
  };
}

describe("GET /requests/:id/attribution and the unanswerable reason", () => {
  let dir: string;
  let w: ReturnType<typeof world>;
  let state: KeeperStateStore;
  let node: KeeperNode;
  let report: AttributionReport;

  async function get(path: string) {
    const response = await createKeeperApp(node).request(path);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  function addRecord(requestId: bigint) {
    state.add({
      requestId: requestId.toString(),
      modelId: "1",
      requester,
      inputHash: w.inputHash,
      inputURI: `blob:${w.inputHash}`,
      fee: "1000",
      deadline: "10000",
      blockNumber: "5",
      blockHash: `0x${"22".repeat(32)}`,
      requestedAt: "900",
    });
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-attribution-"));
    w = world();
    state = await KeeperStateStore.open(dir, {
      chainId: 31337,
      market,
      keeper: account.address,
      startBlock: 0n,
    });
    node = new KeeperNode({
      chain: w.chain,
      account,
      gateway: w.gateway,
      inference: {} as InferenceClient,
      state,
      metrics: new KeeperMetrics(),
      logger: pino({ level: "silent" }),
      peers: [],
    });
    // The report an honest executor would have submitted for this output.
    const answers = new AnswerBuilder(w.chain, w.gateway, {} as InferenceClient, pino({ level: "silent" }));
    const context = await answers.context(eventOf(1n, w.inputHash));
    const { attributionVersion, attributions } = answers.attribute(context, output);
    report = {
      requestId: 1n,
      round: 0,
      modelId: 1n,
      outputHash: w.outputHash,
      outputURI: `blob:${w.outputHash}`,
      executor: account.address,
      attributionVersion,
      attributions,
    };
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("explains an accepted report: output, weights, spans cut from the output, passages without text", async () => {
    w.onchain.set(1n, { status: 2, reportDigest: `0x${"d1".repeat(32)}`, report });
    const { status, body } = await get("/requests/1/attribution");
    expect(status).toBe(200);
    const explained = body as unknown as KeeperAttributionJson;
    expect(explained).toMatchObject({
      requestId: "1",
      modelId: "1",
      question,
      output,
      outputHash: w.outputHash,
      source: "chain",
      reportDigest: `0x${"d1".repeat(32)}`,
      matchesReport: true,
    });
    expect(explained.attributions.map((a) => [a.contributionId, a.weightBps])).toEqual(
      report.attributions.map((a) => [a.contributionId.toString(), a.weightBps]),
    );
    expect(explained.attributions[0]?.contributionId).toBe("1");
    expect(explained.attributions[0]?.fraction).toBeGreaterThan(0.5);
    // The whole sentence, without the citation marker the model added.
    expect(explained.spans).toEqual([
      {
        text: contributions[0]?.text.slice(0, -1),
        charStart: 0,
        charEnd: output.indexOf(" [1]"),
        start: 0,
        end: 15,
        contributionIds: ["1"],
      },
    ]);
    expect(explained.outputTokens).toBe(15);
    expect(explained.passages[0]).toEqual({
      rank: 1,
      contributionId: "1",
      uri: "blob:contribution-1",
      score: expect.any(Number),
    });
    // Datanet content stays behind the gateway's access control.
    const served = JSON.stringify(body);
    for (const c of contributions.slice(1)) expect(served).not.toContain(c.text.slice(0, 20));

    const downloads = w.downloads.count;
    expect((await get("/requests/1/attribution")).body).toEqual(body);
    expect(w.downloads.count).toBe(downloads);
  });

  it("says when the recomputed weights differ from the accepted report's", async () => {
    const other = { ...report, attributions: [{ contributionId: 2n, weightBps: 9000 }] };
    w.onchain.set(1n, { status: 3, reportDigest: `0x${"d2".repeat(32)}`, report: other });
    const { status, body } = await get("/requests/1/attribution");
    expect(status).toBe(200);
    expect(body.matchesReport).toBe(false);
  });

  it("explains the report this keeper signed before it is on-chain", async () => {
    w.onchain.set(1n, { status: 1, reportDigest: `0x${"00".repeat(32)}` });
    addRecord(1n);
    state.update(1n, (r) => {
      r.phase = "signed";
      r.signed = { digest: `0x${"5e".repeat(32)}`, report: reportToJson(report), signatures: {} };
    });
    await state.save();
    const { status, body } = await get("/requests/1/attribution");
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: "signed", reportDigest: `0x${"5e".repeat(32)}`, output });
  });

  it("answers 404, 409 and 503 with codes when there is nothing to explain", async () => {
    expect(await get("/requests/9/attribution")).toMatchObject({
      status: 404,
      body: { error: { code: "request_not_found" } },
    });
    expect((await get("/requests/x/attribution")).status).toBe(400);
    w.onchain.set(1n, { status: 1, reportDigest: `0x${"00".repeat(32)}` });
    expect(await get("/requests/1/attribution")).toMatchObject({
      status: 409,
      body: { error: { code: "no_output" } },
    });
    w.onchain.set(1n, { status: 4, reportDigest: `0x${"00".repeat(32)}` });
    expect(await get("/requests/1/attribution")).toMatchObject({
      status: 409,
      body: { error: { code: "no_output", message: expect.stringMatching(/refunded/) } },
    });
    w.onchain.set(1n, { status: 2, reportDigest: `0x${"d1".repeat(32)}`, report });
    w.downloads.fail = true;
    expect(await get("/requests/1/attribution")).toMatchObject({
      status: 503,
      body: { error: { code: "cannot_recompute" } },
    });
  });

  it("records why a request cannot be answered, signs a decline and serves both in /requests/:id", async () => {
    w.setComposite(true);
    w.onchain.set(1n, { status: 1, reportDigest: `0x${"00".repeat(32)}` });
    addRecord(1n);
    await state.save();
    await node.process(1n);
    const { status, body } = await get("/requests/1");
    expect(status).toBe(200);
    // Its reason follows from the chain, so the executor declines it (no peers here: no quorum yet).
    expect(body).toMatchObject({
      phase: "signed",
      attempts: 1,
      unanswerable: { reason: expect.stringMatching(/composite/) },
      signed: {
        report: {
          outputHash: `0x${"00".repeat(32)}`,
          attributions: [],
          outputURI: expect.stringMatching(/^unanswerable:.*composite/),
        },
      },
    });
    expect(await get("/requests/1/attribution")).toMatchObject({
      status: 409,
      body: {
        error: { code: "no_output", message: expect.stringMatching(/cannot be answered: .*composite/) },
      },
    });
    const metrics = await node.options.metrics.registry.metrics();
    expect(metrics).toMatch(/keeper_errors_total\{stage="unanswerable"\} 1/);
  });
  it("co-signs a decline only when it also finds the request unanswerable", async () => {
    const answers = new AnswerBuilder(w.chain, w.gateway, {} as InferenceClient, pino({ level: "silent" }));
    w.onchain.set(1n, { status: 1, reportDigest: `0x${"00".repeat(32)}` });
    const decline = declineReport(eventOf(1n, w.inputHash), account.address, "model 1 is a composite");
    // A lazy or censoring executor declining a request it could answer finds no co-signer.
    expect(await answers.verify(decline, 0n)).toMatch(/can be answered/);
    w.setComposite(true);
    expect(await answers.verify(decline, 0n)).toBeUndefined();
    expect(await answers.verify({ ...decline, attributions: report.attributions }, 0n)).toMatch(
      /no attributions/,
    );
  });
});
