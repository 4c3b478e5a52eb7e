import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DatanetChain, startDatanetChain } from "@payable-ai/sdk/testing";
import type { PrivateKeyAccount } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobIdOf } from "../src/blobstore/blobStore.js";
import { LocalBlobStore } from "../src/blobstore/localBlobStore.js";
import { FileNonceStore } from "../src/nonceStore.js";
import { type RunningGateway, startGateway } from "../src/server.js";
import { ViemAccessChecker } from "../src/viemAccessChecker.js";
import { LocalBlobVisibility } from "../src/visibility.js";
import { postSession, signAccessRequest } from "./support/gatewaySession.js";

const MAX_UPLOAD = 1024;
const text = (s: string) => new TextEncoder().encode(s);

/** Parses Prometheus text into `name{labels}` → value (labels as written by prom-client). */
function samples(exposition: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of exposition.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe("gateway /metrics", () => {
  let chain: DatanetChain;
  let gateway: RunningGateway;
  let dataDir: string;
  let datanetId: bigint;
  let contributionId: bigint;
  const contribution = text("Hourly river levels at the weir, 2020-2024.");
  const publicBlob = text("a model output, readable by anyone");

  const upload = (body: Uint8Array<ArrayBuffer>, visibility: "public" | "datanet") =>
    fetch(`${gateway.url}/blobs?visibility=${visibility}`, { method: "POST", body });

  const signedRequest = (signer: PrivateKeyAccount) => signAccessRequest(chain, signer, { datanetId });
  const openSession = (body: unknown) => postSession(gateway.url, body);

  async function metrics() {
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    return samples(await response.text());
  }

  beforeAll(async () => {
    chain = await startDatanetChain();
    dataDir = await mkdtemp(join(tmpdir(), "gateway-metrics-"));
    gateway = await startGateway({
      blobs: new LocalBlobStore(join(dataDir, "blobs")),
      visibility: new LocalBlobVisibility(join(dataDir, "datanet-content")),
      access: await ViemAccessChecker.connect({
        rpcUrl: chain.anvil.rpcUrl,
        datanetRegistry: chain.registry,
        keeperRegistry: chain.keeperRegistry,
      }),
      nonces: await FileNonceStore.open(join(dataDir, "nonces.log")),
      maxUploadBytes: MAX_UPLOAD,
    });
    datanetId = await chain.createDatanet();
    const { accounts } = chain;
    contributionId = await chain.contribute(
      accounts.contributor,
      datanetId,
      `0x${blobIdOf(contribution)}`,
      "gw://1",
    );
    await chain.requestAccess(accounts.reader, datanetId);
    await chain.approveAccess(datanetId, accounts.reader.address);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await chain?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("starts with no traffic counted", async () => {
    const values = await metrics();
    expect(values.get("gateway_sessions_active")).toBe(0);
    expect([...values.keys()].filter((k) => k.startsWith("gateway_uploads_total"))).toEqual([]);
  });

  it("counts uploads, downloads, sessions and refusals by reason", async () => {
    expect((await upload(contribution, "datanet")).status).toBe(201);
    expect((await upload(contribution, "datanet")).status).toBe(200);
    expect((await upload(publicBlob, "public")).status).toBe(201);
    expect((await upload(new Uint8Array(MAX_UPLOAD + 1), "datanet")).status).toBe(413);
    const mismatch = await fetch(`${gateway.url}/blobs/${blobIdOf(publicBlob)}?visibility=public`, {
      method: "PUT",
      body: text("other bytes"),
    });
    expect(mismatch.status).toBe(400);

    const publicId = blobIdOf(publicBlob);
    expect((await fetch(`${gateway.url}/blobs/${publicId}`)).status).toBe(200);
    const cached = await fetch(`${gateway.url}/blobs/${publicId}`, {
      headers: { "if-none-match": `"${publicId}"` },
    });
    expect(cached.status).toBe(304);
    expect((await fetch(`${gateway.url}/blobs/${blobIdOf(contribution)}`)).status).toBe(403);
    expect((await fetch(`${gateway.url}/blobs/${"0".repeat(64)}`)).status).toBe(404);

    const signed = await signedRequest(chain.accounts.reader);
    const session = await openSession(signed);
    expect(session.status).toBe(201);
    const { token } = (await session.json()) as { token: string };
    expect((await openSession(signed)).status).toBe(409);
    const contributionUrl = `${gateway.url}/datanets/${datanetId}/contributions/${contributionId}`;
    expect((await fetch(contributionUrl, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    expect((await fetch(contributionUrl)).status).toBe(401);
    expect((await fetch(`${gateway.url}/no-such-route`)).status).toBe(404);

    const values = await metrics();
    const expected: Record<string, number> = {
      'gateway_uploads_total{visibility="datanet",result="created"}': 1,
      'gateway_uploads_total{visibility="datanet",result="existing"}': 1,
      'gateway_uploads_total{visibility="public",result="created"}': 1,
      'gateway_upload_bytes_total{visibility="datanet"}': 2 * contribution.byteLength,
      'gateway_upload_bytes_total{visibility="public"}': publicBlob.byteLength,
      'gateway_downloads_total{kind="public",result="served"}': 1,
      'gateway_downloads_total{kind="public",result="not_modified"}': 1,
      'gateway_downloads_total{kind="contribution",result="served"}': 1,
      'gateway_download_bytes_total{kind="public"}': publicBlob.byteLength,
      'gateway_download_bytes_total{kind="contribution"}': contribution.byteLength,
      'gateway_sessions_opened_total{scope="datanet"}': 1,
      gateway_sessions_active: 1,
      'gateway_refusals_total{route="/blobs",reason="payload_too_large"}': 1,
      'gateway_refusals_total{route="/blobs/:id",reason="hash_mismatch"}': 1,
      'gateway_refusals_total{route="/blobs/:id",reason="datanet_content"}': 1,
      'gateway_refusals_total{route="/blobs/:id",reason="blob_not_found"}': 1,
      'gateway_refusals_total{route="/sessions",reason="nonce_used"}': 1,
      'gateway_refusals_total{route="/datanets/:datanetId/contributions/:contributionId",reason="session_required"}': 1,
      'gateway_refusals_total{route="unmatched",reason="not_found"}': 1,
    };
    for (const [sample, value] of Object.entries(expected)) expect(values.get(sample), sample).toBe(value);
    const refusals = [...values].filter(([k]) => k.startsWith("gateway_refusals_total"));
    expect(refusals.reduce((sum, [, v]) => sum + v, 0)).toBe(7);
    expect([...values.keys()].some((k) => k.startsWith("gateway_failures_total"))).toBe(false);
  });

  it("counts a server-side failure apart from refusals", async () => {
    await chain.stop();
    const signed = await signedRequest(chain.accounts.reader);
    expect((await openSession(signed)).status).toBe(503);
    const values = await metrics();
    expect(values.get('gateway_failures_total{route="/sessions",code="rpc_unavailable"}')).toBe(1);
  });
});
