import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AttributionReport, type Deployment, signAttributionReport } from "@payable-ai/sdk";
import { type Anvil, anvilPrivateKeys } from "@payable-ai/sdk/testing";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportToJson } from "../src/protocol.js";
import type { RunningKeeper } from "../src/run.js";
import { localChain, startProtocolChain, stopProtocolChain } from "./support/protocolChain.js";
import { runOfflineKeeper, stakeMinimum } from "./support/protocolKeeper.js";

const CHAIN_ID = 913_407;

describe("co-sign endpoint: what a keeper refuses before recomputing anything", () => {
  let anvil: Anvil;
  let deployment: Deployment;
  let dir: string;
  let keeper: RunningKeeper;
  const keeperKey = anvilPrivateKeys[7];
  const peerKey = anvilPrivateKeys[8];
  const outsiderKey = anvilPrivateKeys[9];

  const report = (executor: Hex, requestId = 1n): AttributionReport => ({
    requestId,
    round: 0,
    modelId: 1n,
    outputHash: `0x${"ab".repeat(32)}`,
    outputURI: "blob:output",
    executor,
    attributionVersion: 1,
    attributions: [{ contributionId: 1n, weightBps: 100 }],
  });

  async function post(body: unknown) {
    const response = await fetch(`${keeper.url}/cosign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
  }

  async function signed(key: Hex, r: AttributionReport) {
    return signAttributionReport(privateKeyToAccount(key), {
      chainId: CHAIN_ID,
      market: deployment.contracts.InferenceMarket,
      report: r,
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-cosign-"));
    ({ anvil, deployment } = await startProtocolChain(CHAIN_ID));
    const chain = localChain(CHAIN_ID, "cosign");
    await stakeMinimum(anvil.rpcUrl, chain, deployment, [keeperKey, peerKey]);
    // Every case below must be decided before any download.
    keeper = await runOfflineKeeper({
      rpcUrl: anvil.rpcUrl,
      privateKey: keeperKey,
      stateDir: join(dir, "state"),
      pollIntervalMs: 200,
    });
  }, 120_000);

  afterAll(async () => {
    await keeper?.stop();
    await stopProtocolChain(anvil, CHAIN_ID);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses bodies that are not JSON or not a report", async () => {
    expect(await post("{ nope")).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    const peer = privateKeyToAccount(peerKey).address;
    const bad = { ...reportToJson(report(peer)), outputHash: "0x1234" };
    const result = await post({ report: bad, signatures: [await signed(peerKey, report(peer))] });
    expect(result.status).toBe(400);
    expect(JSON.stringify(result.body)).toMatch(/outputHash/);
    expect(await post({ report: reportToJson(report(peer)), signatures: [] })).toMatchObject({ status: 400 });
  });

  it("refuses a report without a valid signature of its executor", async () => {
    const peer = privateKeyToAccount(peerKey).address;
    const r = report(peer);
    // Signed by someone else, or a signature over another report, under the executor's name.
    for (const signature of [
      { ...(await signed(outsiderKey, r)), signer: peer },
      { ...(await signed(peerKey, { ...r, outputURI: "blob:other" })) },
    ]) {
      expect(await post({ report: reportToJson(r), signatures: [signature] })).toMatchObject({
        status: 400,
        body: { error: { code: "executor_signature_missing" } },
      });
    }
  });

  it("refuses an executor that is not an active keeper", async () => {
    const outsider = privateKeyToAccount(outsiderKey).address;
    const r = report(outsider);
    expect(await post({ report: reportToJson(r), signatures: [await signed(outsiderKey, r)] })).toMatchObject(
      {
        status: 403,
        body: { error: { code: "executor_inactive" } },
      },
    );
  });

  it("refuses a request that was never made, and signs nothing", async () => {
    const peer = privateKeyToAccount(peerKey).address;
    const r = report(peer, 77n);
    expect(await post({ report: reportToJson(r), signatures: [await signed(peerKey, r)] })).toMatchObject({
      status: 404,
      body: { error: { code: "request_not_found" } },
    });
    expect(keeper.node.options.state.get(77n)).toBeUndefined();
    expect((await fetch(`${keeper.url}/requests/77`)).status).toBe(404);
    const explained = await fetch(`${keeper.url}/requests/77/attribution`);
    expect(explained.status).toBe(404);
    expect(await explained.json()).toMatchObject({ error: { code: "request_not_found" } });
    expect((await fetch(`${keeper.url}/requests/x`)).status).toBe(400);
  });

  it("serves health and Prometheus metrics counting the refusals", async () => {
    const health = (await (await fetch(`${keeper.url}/health`)).json()) as {
      keeper: string;
      chainId: number;
    };
    expect(health).toMatchObject({ keeper: privateKeyToAccount(keeperKey).address, chainId: CHAIN_ID });
    const metrics = await (await fetch(`${keeper.url}/metrics`)).text();
    expect(metrics).toMatch(/keeper_cosign_requests_total\{result="bad_signature"\} 2/);
    expect(metrics).toMatch(/keeper_cosign_requests_total\{result="inactive_executor"\} 1/);
  });
});
