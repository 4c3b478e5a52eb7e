import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DataAccessRequest, dataGatewayDomain } from "@payable-ai/sdk";
import { type DatanetChain, startDatanetChain } from "@payable-ai/sdk/testing";
import type { Hex, PrivateKeyAccount } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobIdOf } from "../src/blobstore/blobStore.js";
import { LocalBlobStore } from "../src/blobstore/localBlobStore.js";
import { ContributionSync } from "../src/contributionSync.js";
import { GatewayMetrics } from "../src/metrics.js";
import { FileNonceStore } from "../src/nonceStore.js";
import { type RunningGateway, startGateway } from "../src/server.js";
import { ViemAccessChecker } from "../src/viemAccessChecker.js";
import { LocalBlobVisibility } from "../src/visibility.js";
import { postSession, signAccessRequest } from "./support/gatewaySession.js";

const MAX_UPLOAD = 64 * 1024;
const text = (s: string) => new TextEncoder().encode(s);

describe("data gateway against a DatanetRegistry on anvil", () => {
  let chain: DatanetChain;
  let gateway: RunningGateway;
  let dataDir: string;
  let skew = 0;
  let access: ViemAccessChecker;
  let visibility: LocalBlobVisibility;
  const metrics = new GatewayMetrics();
  const now = () => Math.floor(Date.now() / 1000) + skew;

  let datanetId: bigint;
  let otherDatanetId: bigint;
  let contributionId: bigint;
  let strangersContributionId: bigint;
  let otherDatanetContributionId: bigint;
  const contributionText = text("Rainfall in the upper valley, hourly, 2019-2024, station 17.");
  const strangersText = text("A second contribution, by another account.");

  async function upload(body: Uint8Array<ArrayBuffer>, visibility?: "public" | "datanet") {
    const query = visibility === undefined ? "" : `?visibility=${visibility}`;
    return fetch(`${gateway.url}/blobs${query}`, { method: "POST", body });
  }

  async function signRequest(
    signer: PrivateKeyAccount,
    overrides: Partial<DataAccessRequest> = {},
    domain = dataGatewayDomain(chain.anvil.chainId, chain.registry),
  ) {
    return signAccessRequest(
      chain,
      signer,
      { datanetId, expiresAt: BigInt(now() + 600), ...overrides },
      domain,
    );
  }

  const openSession = (body: unknown) => postSession(gateway.url, body);

  async function sessionFor(signer: PrivateKeyAccount, overrides: Partial<DataAccessRequest> = {}) {
    const res = await openSession(await signRequest(signer, overrides));
    expect(res.status).toBe(201);
    return (await res.json()) as { token: string; scope: string; expiresAt: number };
  }

  async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
    const values = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
  }

  function download(token: string | undefined, id: bigint, datanet = datanetId) {
    return fetch(`${gateway.url}/datanets/${datanet}/contributions/${id}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  }

  beforeAll(async () => {
    chain = await startDatanetChain();
    dataDir = await mkdtemp(join(tmpdir(), "gateway-"));
    access = await ViemAccessChecker.connect({
      rpcUrl: chain.anvil.rpcUrl,
      datanetRegistry: chain.registry,
      keeperRegistry: chain.keeperRegistry,
    });
    visibility = new LocalBlobVisibility(join(dataDir, "datanet-content"));
    gateway = await startGateway({
      blobs: new LocalBlobStore(join(dataDir, "blobs")),
      visibility,
      access,
      nonces: await FileNonceStore.open(join(dataDir, "nonces.log")),
      maxUploadBytes: MAX_UPLOAD,
      maxPublicUploadBytes: 2 * MAX_UPLOAD,
      metrics,
      now,
    });
    const { accounts } = chain;
    datanetId = await chain.createDatanet([accounts.curator.address]);
    otherDatanetId = await chain.createDatanet();

    expect((await upload(contributionText, "datanet")).status).toBe(201);
    contributionId = await chain.contribute(
      accounts.contributor,
      datanetId,
      `0x${blobIdOf(contributionText)}`,
      "gw://1",
    );
    expect((await upload(strangersText)).status).toBe(201); // datanet content is the default
    strangersContributionId = await chain.contribute(
      accounts.stranger,
      datanetId,
      `0x${blobIdOf(strangersText)}`,
      "gw://2",
    );
    otherDatanetContributionId = await chain.contribute(
      accounts.contributor,
      otherDatanetId,
      `0x${blobIdOf(strangersText)}`,
      "gw://3",
    );
    await chain.requestAccess(accounts.reader, datanetId);
    await chain.approveAccess(datanetId, accounts.reader.address);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await chain?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  describe("blobs", () => {
    it("stores a public blob under its sha256 and serves it to anyone", async () => {
      const body = text("model output #1");
      const res = await upload(body, "public");
      expect(res.status).toBe(201);
      const json = await res.json();
      expect(json).toEqual({
        id: blobIdOf(body),
        contentHash: `0x${blobIdOf(body)}`,
        size: body.byteLength,
        visibility: "public",
        created: true,
      });
      const again = await upload(body, "public");
      expect(again.status).toBe(200);
      expect((await again.json()).created).toBe(false);

      const get = await fetch(`${gateway.url}/blobs/0x${blobIdOf(body).toUpperCase()}`);
      expect(get.status).toBe(200);
      expect(get.headers.get("etag")).toBe(`"${blobIdOf(body)}"`);
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(body);
      const cached = await fetch(`${gateway.url}/blobs/${blobIdOf(body)}`, {
        headers: { "if-none-match": `"${blobIdOf(body)}"`, "x-request-id": "req-42" },
      });
      expect(cached.status).toBe(304);
      expect(cached.headers.get("x-request-id")).toBe("req-42");
    });

    it("accepts an upload to its own id and refuses one whose content hashes elsewhere", async () => {
      const body = text("adapter bytes");
      const ok = await fetch(`${gateway.url}/blobs/${blobIdOf(body)}?visibility=public`, {
        method: "PUT",
        body,
      });
      expect(ok.status).toBe(201);
      const wrong = await fetch(`${gateway.url}/blobs/${blobIdOf(text("other"))}?visibility=public`, {
        method: "PUT",
        body,
      });
      expect(wrong.status).toBe(400);
      expect((await wrong.json()).error.code).toBe("hash_mismatch");
      expect((await fetch(`${gateway.url}/blobs/${blobIdOf(text("other"))}`)).status).toBe(404);
    });

    it("answers 400 for a malformed id or visibility and 404 for an unknown blob", async () => {
      const bad = await fetch(`${gateway.url}/blobs/not-a-hash`);
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatchObject({ code: "invalid_request" });
      expect((await fetch(`${gateway.url}/blobs/${"ab".repeat(31)}`)).status).toBe(400);
      expect((await upload(text("x"), "secret" as "public")).status).toBe(400);
      const missing = await fetch(`${gateway.url}/blobs/${blobIdOf(text("never uploaded"))}`);
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe("blob_not_found");
    });

    it("takes a body of exactly the limit and refuses one byte more, declared or streamed", async () => {
      // Datanet uploads: MAX_UPLOAD; public uploads: twice that.
      for (const [visibility, limit] of [
        ["datanet", MAX_UPLOAD],
        ["public", 2 * MAX_UPLOAD],
      ] as const) {
        expect((await upload(randomBytes(limit), visibility)).status).toBe(201);
        const over = randomBytes(limit + 1);
        const declared = await upload(over, visibility);
        expect(declared.status).toBe(413);
        expect((await declared.json()).error).toEqual({
          code: "payload_too_large",
          message: `the body exceeds the upload limit of ${limit} bytes`,
        });
        const streamed = await fetch(`${gateway.url}/blobs?visibility=${visibility}`, {
          method: "POST",
          body: new ReadableStream({
            start(controller) {
              controller.enqueue(over.subarray(0, limit));
              controller.enqueue(over.subarray(limit));
              controller.close();
            },
          }),
          duplex: "half",
        } as RequestInit);
        expect(streamed.status).toBe(413);
        const put = await fetch(`${gateway.url}/blobs/${blobIdOf(over)}?visibility=${visibility}`, {
          method: "PUT",
          body: over,
        });
        expect(put.status).toBe(413);
        expect((await fetch(`${gateway.url}/blobs/${blobIdOf(over)}`)).status).toBe(404);
      }
    });

    it("never serves datanet content as a public blob, even if uploaded again as public", async () => {
      const res = await fetch(`${gateway.url}/blobs/${blobIdOf(contributionText)}`);
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe("datanet_content");
      const reupload = await upload(contributionText, "public");
      expect((await reupload.json()).visibility).toBe("datanet");
      expect((await fetch(`${gateway.url}/blobs/${blobIdOf(contributionText)}`)).status).toBe(403);
    });
  });

  describe("request ids", () => {
    it("echoes a client's id of up to 128 printable characters and replaces any other", async () => {
      const echoed = async (id: string) =>
        (await fetch(`${gateway.url}/health/live`, { headers: { "x-request-id": id } })).headers.get(
          "x-request-id",
        );
      const longest = `${"a".repeat(120)}:-_./~!@`;
      expect(await echoed(longest)).toBe(longest);
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      for (const odd of ["a".repeat(129), "x".repeat(8 * 1024), "two words", "caf\u00e9", "tab\there"]) {
        expect(await echoed(odd)).toMatch(uuid);
      }
      expect((await fetch(`${gateway.url}/health/live`)).headers.get("x-request-id")).toMatch(uuid);
    });
  });

  it("reports one creation among concurrent uploads of the same bytes, and counts it once", async () => {
    const body = randomBytes(4096);
    const created = await metricValue("gateway_uploads_total", { visibility: "public", result: "created" });
    const existing = await metricValue("gateway_uploads_total", { visibility: "public", result: "existing" });
    const answers = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const res = await upload(body, "public");
        return { status: res.status, created: ((await res.json()) as { created: boolean }).created };
      }),
    );
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(99);
    expect(await metricValue("gateway_uploads_total", { visibility: "public", result: "created" })).toBe(
      created + 1,
    );
    expect(await metricValue("gateway_uploads_total", { visibility: "public", result: "existing" })).toBe(
      existing + 99,
    );
  });

  describe("session limits", () => {
    let capped: RunningGateway;
    const cappedMetrics = new GatewayMetrics();
    const openCapped = (body: unknown) => postSession(capped.url, body);

    beforeAll(async () => {
      capped = await startGateway({
        blobs: new LocalBlobStore(join(dataDir, "blobs")),
        visibility,
        access,
        nonces: await FileNonceStore.open(join(dataDir, "capped-nonces.log")),
        maxSessionsPerAccount: 2,
        maxSessions: 3,
        metrics: cappedMetrics,
        now,
      });
    });
    afterAll(async () => {
      await capped?.close();
    });

    it("caps sessions per account and in all with 429 and Retry-After, and frees places as sessions expire", async () => {
      const { reader, curator, owner } = chain.accounts;
      const firstExpiry = now() + 60;
      // Concurrent opens cannot overshoot the cap: a place is held before the chain is asked.
      const concurrent = await Promise.all(
        Array.from({ length: 6 }, async () =>
          openCapped(await signRequest(reader, { expiresAt: BigInt(firstExpiry) })),
        ),
      );
      expect(concurrent.map((r) => r.status).sort()).toEqual([201, 201, 429, 429, 429, 429]);
      const refused = await openCapped(await signRequest(reader));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
      expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect((await refused.json()).error.code).toBe("too_many_sessions");

      expect((await openCapped(await signRequest(curator, { expiresAt: BigInt(now() + 300) }))).status).toBe(
        201,
      );
      const full = await openCapped(await signRequest(owner));
      expect(full.status).toBe(429);
      expect((await full.json()).error.code).toBe("gateway_session_limit");
      expect(Number(full.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect((await fetch(`${capped.url}/metrics`)).status).toBe(200); // sets the gauge
      const sessions = (await cappedMetrics.registry.getSingleMetric("gateway_sessions_active")?.get())
        ?.values[0]?.value;
      expect(sessions).toBe(3);

      // A refused request keeps its nonce: sent again once the reader's sessions expired, it opens one.
      const retried = await signRequest(reader, { expiresAt: BigInt(now() + 600) });
      expect((await openCapped(retried)).status).toBe(429);
      skew += 61;
      try {
        expect((await openCapped(retried)).status).toBe(201);
        expect((await openCapped(await signRequest(owner))).status).toBe(201);
        expect((await openCapped(await signRequest(owner))).status).toBe(429);
      } finally {
        skew -= 61;
      }
    });
  });

  it("stops serving a public blob publicly once it is registered as a contribution", async () => {
    const sync = new ContributionSync({
      client: access.client,
      datanetRegistry: chain.registry,
      visibility,
      stateFile: join(dataDir, "sync", "next-block"),
      fromBlock: 0n,
      maxRange: 3n,
    });
    const marked = await sync.syncOnce();
    expect(marked).toBeGreaterThanOrEqual(3); // the contributions made in beforeAll
    const body = text("uploaded as public, then contributed");
    expect((await upload(body, "public")).status).toBe(201);
    expect((await fetch(`${gateway.url}/blobs/${blobIdOf(body)}`)).status).toBe(200);
    await chain.contribute(chain.accounts.contributor, datanetId, `0x${blobIdOf(body)}`, "gw://5");
    expect(await sync.syncOnce()).toBe(1);
    expect(await sync.syncOnce()).toBe(0); // resumes after the last block read
    const res = await fetch(`${gateway.url}/blobs/${blobIdOf(body)}`);
    expect(res.status).toBe(403);
    sync.start(10);
    await sync.stop();
  });

  describe("contribution downloads", () => {
    it("serves contributions to an account granted access on-chain", async () => {
      const session = await sessionFor(chain.accounts.reader);
      expect(session.scope).toBe("datanet");
      const res = await download(session.token, contributionId);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-contribution-uri")).toBe("gw://1");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(contributionText);
      const second = await download(session.token, strangersContributionId);
      expect(new Uint8Array(await second.arrayBuffer())).toEqual(strangersText);
    });

    it("serves the datanet owner and its curators", async () => {
      for (const account of [chain.accounts.owner, chain.accounts.curator]) {
        const session = await sessionFor(account);
        expect(session.scope).toBe("datanet");
        expect((await download(session.token, contributionId)).status).toBe(200);
      }
    });

    it("serves a contributor its own contributions only", async () => {
      const session = await sessionFor(chain.accounts.contributor);
      expect(session.scope).toBe("own-contributions");
      expect((await download(session.token, contributionId)).status).toBe(200);
      const other = await download(session.token, strangersContributionId);
      expect(other.status).toBe(403);
      expect((await other.json()).error.code).toBe("access_denied");
    });

    it("serves active keepers, who recompute attribution, and nobody before they stake", async () => {
      const signed = await signRequest(chain.accounts.keeper);
      const before = await openSession(signed);
      expect(before.status).toBe(403);
      expect((await before.json()).error.code).toBe("access_denied");
      await chain.stakeKeeper(chain.accounts.keeper);
      // The refused request did not burn its nonce: the same signature now opens a session.
      const after = await openSession(signed);
      expect(after.status).toBe(201);
      const session = (await after.json()) as { token: string; scope: string };
      expect(session.scope).toBe("keeper");
      expect((await download(session.token, contributionId)).status).toBe(200);
    });

    it("opens no session for an account without access, and stores nothing", async () => {
      await fetch(`${gateway.url}/metrics`);
      const active = await metricValue("gateway_sessions_active");
      const res = await openSession(
        await signRequest(chain.accounts.stranger, { datanetId: otherDatanetId }),
      );
      expect(res.status).toBe(403);
      expect((await res.json()).error).toEqual({
        code: "access_denied",
        message: `${chain.accounts.stranger.address} has no access to datanet ${otherDatanetId}`,
      });
      await fetch(`${gateway.url}/metrics`);
      expect(await metricValue("gateway_sessions_active")).toBe(active);
    });

    it("stops serving at once when access is revoked", async () => {
      const { accounts } = chain;
      await chain.requestAccess(accounts.reader, otherDatanetId);
      await chain.approveAccess(otherDatanetId, accounts.reader.address);
      const session = await sessionFor(accounts.reader, { datanetId: otherDatanetId });
      expect((await download(session.token, otherDatanetContributionId, otherDatanetId)).status).toBe(200);
      await chain.revokeAccess(otherDatanetId, accounts.reader.address);
      const after = await download(session.token, otherDatanetContributionId, otherDatanetId);
      expect(after.status).toBe(403);
    });

    it("refuses a replayed request", async () => {
      const signed = await signRequest(chain.accounts.reader);
      expect((await openSession(signed)).status).toBe(201);
      const replay = await openSession(signed);
      expect(replay.status).toBe(409);
      expect((await replay.json()).error.code).toBe("nonce_used");
    });

    it("refuses an expired request and one that asks for too long a session", async () => {
      const expired = await openSession(
        await signRequest(chain.accounts.reader, { expiresAt: BigInt(now() - 1) }),
      );
      expect(expired.status).toBe(401);
      expect((await expired.json()).error.code).toBe("request_expired");
      const tooLong = await openSession(
        await signRequest(chain.accounts.reader, { expiresAt: BigInt(now() + 2 * 24 * 3600) }),
      );
      expect(tooLong.status).toBe(400);
      expect((await tooLong.json()).error.code).toBe("request_too_long");
    });

    it("refuses signatures by another key, under another domain, or malformed", async () => {
      const forged = await signRequest(chain.accounts.stranger, { account: chain.accounts.reader.address });
      const res = await openSession(forged);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe("bad_signature");

      const otherChain = await signRequest(
        chain.accounts.reader,
        {},
        dataGatewayDomain(chain.anvil.chainId + 1, chain.registry),
      );
      expect((await openSession(otherChain)).status).toBe(401);
      const otherContract = await signRequest(
        chain.accounts.reader,
        {},
        dataGatewayDomain(chain.anvil.chainId, chain.accounts.owner.address),
      );
      expect((await openSession(otherContract)).status).toBe(401);

      const good = await signRequest(chain.accounts.reader);
      expect((await openSession({ ...good, signature: "0x1234" as Hex })).status).toBe(401);
      const invalid = await openSession({ ...good, request: { ...good.request, nonce: "0x12" } });
      expect(invalid.status).toBe(400);
      expect((await invalid.json()).error.message).toMatch(/request\.nonce/);
    });

    it("expires sessions with their request", async () => {
      const session = await sessionFor(chain.accounts.reader, { expiresAt: BigInt(now() + 30) });
      expect((await download(session.token, contributionId)).status).toBe(200);
      skew += 31;
      try {
        const res = await download(session.token, contributionId);
        expect(res.status).toBe(401);
        expect((await res.json()).error.code).toBe("session_invalid");
      } finally {
        skew -= 31;
      }
    });

    it("answers 401 without a session, 403 for another datanet, 404 for unknown ids", async () => {
      expect((await download(undefined, contributionId)).status).toBe(401);
      expect((await download("made-up-token", contributionId)).status).toBe(401);
      const session = await sessionFor(chain.accounts.reader);
      const wrong = await download(session.token, otherDatanetContributionId, otherDatanetId);
      expect(wrong.status).toBe(403);
      expect((await wrong.json()).error.code).toBe("wrong_datanet");
      const unknown = await download(session.token, 999n);
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).error.code).toBe("contribution_not_found");
      const elsewhere = await download(session.token, otherDatanetContributionId);
      expect(elsewhere.status).toBe(404);
      expect((await elsewhere.json()).error.code).toBe("contribution_not_in_datanet");
      const noDatanet = await openSession(await signRequest(chain.accounts.reader, { datanetId: 999n }));
      expect(noDatanet.status).toBe(404);
      expect((await noDatanet.json()).error.code).toBe("datanet_not_found");
    });

    it("answers 404 for a contribution whose file was never uploaded", async () => {
      const hash = `0x${blobIdOf(text("registered on-chain, never uploaded"))}` as Hex;
      const id = await chain.contribute(chain.accounts.contributor, datanetId, hash, "gw://4");
      const session = await sessionFor(chain.accounts.reader);
      const res = await download(session.token, id);
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe("blob_not_found");
    });
  });

  it("answers 503 while the chain is unreachable, and is not ready (runs last: stops anvil)", async () => {
    const session = await sessionFor(chain.accounts.reader);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    await chain.stop();
    const res = await download(session.token, contributionId);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect((await res.json()).error.code).toBe("rpc_unavailable");
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      ok: false,
      chainId: chain.anvil.chainId,
      datanetRegistry: chain.registry,
      checks: { rpc: { ok: false }, blobStore: { ok: true }, draining: false },
    });
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
  });
});
