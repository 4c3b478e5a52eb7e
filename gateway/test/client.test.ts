/**
 * The SDK's gateway client (`createGatewayClient`, used by keepers, the Model Factory and the web
 * app) against this gateway on anvil: the one client, not a copy, on the real server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BlobHashMismatchError,
  createGatewayClient,
  GatewayAccountRequiredError,
  HttpRequestError,
  signDataAccessRequest,
} from "@payable-ai/sdk";
import { type DatanetChain, startDatanetChain } from "@payable-ai/sdk/testing";
import { sha256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "../src/blobstore/localBlobStore.js";
import { FileNonceStore } from "../src/nonceStore.js";
import { type RunningGateway, startGateway } from "../src/server.js";
import { ViemAccessChecker } from "../src/viemAccessChecker.js";
import { LocalBlobVisibility } from "../src/visibility.js";

describe("the SDK's gateway client on a real gateway", () => {
  let chain: DatanetChain;
  let gateway: RunningGateway;
  let dataDir: string;
  let datanetId: bigint;
  let contributionId: bigint;
  const fact = "The Elbonian highlands get 2,400 mm of rain a year, most of it in March.";

  async function start(port = 0): Promise<RunningGateway> {
    return startGateway(
      {
        blobs: new LocalBlobStore(join(dataDir, "blobs")),
        visibility: new LocalBlobVisibility(join(dataDir, "datanet-content")),
        access: await ViemAccessChecker.connect({
          rpcUrl: chain.anvil.rpcUrl,
          datanetRegistry: chain.registry,
          keeperRegistry: chain.keeperRegistry,
        }),
        nonces: await FileNonceStore.open(join(dataDir, "nonces.log")),
      },
      { port },
    );
  }

  beforeAll(async () => {
    chain = await startDatanetChain();
    dataDir = await mkdtemp(join(tmpdir(), "gateway-client-"));
    gateway = await start();
    datanetId = await chain.createDatanet();
    const { hash } = await createGatewayClient({ url: gateway.url }).putBlob(fact, "datanet");
    contributionId = await chain.contribute(chain.accounts.contributor, datanetId, hash, "text://fact");
    await chain.requestAccess(chain.accounts.reader, datanetId);
    await chain.approveAccess(datanetId, chain.accounts.reader.address);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await chain?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("stores a public blob under its sha256 once and reads it back checked", async () => {
    const client = createGatewayClient({ url: gateway.url });
    const first = await client.putBlob("What is the rainfall in the highlands?");
    expect(first).toMatchObject({ visibility: "public", created: true, size: 38 });
    expect(first.hash).toBe(sha256(new TextEncoder().encode("What is the rainfall in the highlands?")));
    expect((await client.putBlob("What is the rainfall in the highlands?")).created).toBe(false);
    expect(new TextDecoder().decode(await client.getBlob(first.hash))).toBe(
      "What is the rainfall in the highlands?",
    );
    expect(await client.domain()).toEqual({ chainId: chain.anvil.chainId, datanetRegistry: chain.registry });
  });

  it("refuses datanet content as a public blob, in words and with the gateway's code", async () => {
    const error = await createGatewayClient({ url: gateway.url })
      .getBlob(sha256(new TextEncoder().encode(fact)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error).toMatchObject({ status: 403, code: "datanet_content" });
    expect((error as HttpRequestError).details).toMatch(/download it as a contribution/);
  });

  it("reads a contribution as an approved reader, signing its own session, and again after the gateway restarts", async () => {
    const client = createGatewayClient({ url: gateway.url, account: chain.accounts.reader });
    const hash = sha256(new TextEncoder().encode(fact));
    const read = await client.readContribution(datanetId, contributionId, hash);
    expect(read.text).toBe(fact);
    expect(read.uri).toBe("text://fact");
    // Sessions live in the gateway's memory: after a restart the cached token is unknown (401)
    // and the client opens a new session once, unseen by its caller.
    const port = gateway.port;
    await gateway.close();
    gateway = await start(port);
    expect((await client.readContribution(datanetId, contributionId, hash)).text).toBe(fact);
  });

  it("opens a session from a request another wallet signed (the Model Factory's case)", async () => {
    const client = createGatewayClient({ url: gateway.url });
    const signed = await signDataAccessRequest(chain.accounts.contributor, {
      chainId: chain.anvil.chainId,
      datanetRegistry: chain.registry,
      datanetId,
    });
    const session = await client.openSession(signed);
    expect(session).toMatchObject({
      account: chain.accounts.contributor.address,
      datanetId,
      scope: "own-contributions",
    });
    const { text } = await client.downloadContribution({ token: session.token, datanetId, contributionId });
    expect(text).toBe(fact);
    // A nonce opens one session only.
    await expect(client.openSession(signed)).rejects.toMatchObject({ status: 409 });
  });

  it("checks the bytes against the on-chain hash, and says why a stranger is refused", async () => {
    const reader = createGatewayClient({ url: gateway.url, account: chain.accounts.reader });
    const wrongHash = sha256(new TextEncoder().encode("something else"));
    await expect(reader.readContribution(datanetId, contributionId, wrongHash)).rejects.toBeInstanceOf(
      BlobHashMismatchError,
    );
    const stranger = createGatewayClient({ url: gateway.url, account: chain.accounts.stranger });
    await expect(stranger.readContribution(datanetId, contributionId)).rejects.toMatchObject({
      status: 403,
      code: "access_denied",
    });
    await expect(
      createGatewayClient({ url: gateway.url }).readContribution(datanetId, contributionId),
    ).rejects.toBeInstanceOf(GatewayAccountRequiredError);
  });
});
