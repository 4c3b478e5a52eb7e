import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AdapterRegistry, HttpBlobSource, startInferenceServer } from "@payable-ai/inference-node";
import { getModel, openGovernorAbi, propose } from "@payable-ai/sdk";
import { pino } from "pino";
import { type Browser, chromium } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TINY_CONFIG } from "../src/base/inferenceNode.js";
import { GatewayDataSource } from "../src/data/dataSource.js";
import { syntheticDatanet } from "../src/data/synthetic.js";
import type { JobRecord } from "../src/service/jobs.js";
import { type RunningFactory, startFactory } from "../src/service/server.js";
import { type ProtocolChain, startProtocolChain } from "./chainFixture.js";
import { tempDir, tinyModelDir } from "./helpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const webRoot = fileURLToPath(new URL("../web", import.meta.url));
const artifacts = fileURLToPath(new URL("./artifacts", import.meta.url));
/** anvil's account 1: the web app's "dev account" on a local network. */
const DEV_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

// Needs Debian's chromium (`apt-get install -y chromium`); skipped with a notice when it is missing.
describe.skipIf(!existsSync(CHROMIUM))("web app in headless Chromium", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let chain: ProtocolChain;
  let proposal = 0n;
  let inference: Awaited<ReturnType<typeof startInferenceServer>>;
  let factory: RunningFactory;
  let browser: Browser;
  const datanet = syntheticDatanet(24, 21, 1n);

  beforeAll(async () => {
    dir = await tempDir("web");
    await build({ configFile: join(webRoot, "vite.config.ts"), logLevel: "error" });
    chain = await startProtocolChain(dir.path, {
      chainId: 977_202,
      contents: datanet,
      owner: 2,
      contributor: 3,
      local: true,
    });
    // A proposal to vote on (no proposal threshold on a local network).
    ({ proposalId: proposal } = await propose(chain.wallet(2), {
      contracts: chain.contracts,
      targets: [chain.contracts.OpenToken],
      values: [0n],
      calldatas: ["0x"],
      description: "Lower the protocol fee",
    }));
    // A longer context than the tiny default: the RAG prompt numbers three passages.
    const modelDir = await tinyModelDir(join(dir.path, "model"), { ...TINY_CONFIG, maxPositions: 512 });
    // The inference node resolves a model id through ModelRegistry and fetches its adapter from the gateway.
    const onChain: AdapterRegistry = {
      lookup: async (id) => {
        if (!/^\d+$/.test(id)) return undefined;
        const model = await getModel(chain.publicClient, {
          contracts: chain.contracts,
          modelId: BigInt(id),
        }).catch(() => undefined);
        return model && { id, sha256: model.adapterHash.slice(2) };
      },
      list: async () => [],
    };
    inference = await startInferenceServer({
      modelDir,
      registry: onChain,
      source: new HttpBlobSource(`${chain.gateway.url}/blobs`),
      logger: pino({ level: "silent" }),
    });
    factory = await startFactory({
      inferenceUrl: inference.url,
      dataDir: join(dir.path, "factory"),
      baseModels: { "llama-tiny": modelDir },
      dataSource: new GatewayDataSource(chain.gateway.url),
      webDir: join(webRoot, "dist"),
      chain: { rpcUrl: chain.anvil.rpcUrl, deployment: chain.deployment, local: true },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    await mkdir(artifacts, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await factory?.close();
    await inference?.close();
    await chain?.stop();
    await dir?.remove();
  });

  it("signs an access request, trains with a live loss chart, compares answers and registers the model", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(factory.url);
    await page.getByText("Chain 977202").waitFor();
    await page.getByRole("button", { name: "Use dev account" }).click();
    await expect(page.getByTestId("account").textContent()).resolves.toContain(DEV_ADDRESS);

    // Earnings and votes of the account, read from RewardVault and ContributionVotes; delegate on-chain.
    await expect(page.getByTestId("earnings").textContent()).resolves.toContain("claimable 0");
    await page.getByRole("button", { name: "Delegate to myself" }).click();
    await page.getByTestId("delegate").getByText(DEV_ADDRESS).waitFor();

    // Browse the datanet on-chain, request access, and wait for the owner to approve it.
    await page.getByRole("button", { name: "Browse datanets" }).click();
    await expect(page.getByTestId("datanets").textContent()).resolves.toContain("ipfs://geography-facts");
    await page.getByRole("button", { name: `Open #${chain.datanetId}` }).click();
    await expect(page.getByLabel("datanet").inputValue()).resolves.toBe(String(chain.datanetId));
    await page.getByRole("button", { name: "Load contributions" }).click();
    await page.getByTestId("contributions").locator("tbody tr").nth(23).waitFor();
    expect(await page.getByTestId("contributions").locator("tbody tr").count()).toBe(24);
    await page.getByTestId("access-status").getByText("none").waitFor();
    await page.getByRole("button", { name: "Request access" }).click();
    await page.getByTestId("access-status").getByText("pending").waitFor();
    await chain.approveAccess(1);
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByTestId("access-status").getByText("granted").waitFor();
    await page.screenshot({ path: join(artifacts, "datanet.png"), fullPage: true });
    await page.getByLabel(`contribution ${chain.contributionIds[0]}`, { exact: true }).uncheck();
    await page.getByRole("button", { name: "Train on the selected 23" }).click();
    const ids = chain.contributionIds.slice(1);
    await expect(page.getByLabel("contributions").inputValue()).resolves.toBe(ids.join(", "));
    await page.getByLabel("maxSteps").fill("8");
    await page.getByLabel("evalEvery").fill("2");
    await page.getByLabel("batchSize").fill("4");
    await page.getByLabel("learningRate").fill("0.01");
    await page.getByRole("button", { name: "Sign access request and launch" }).click();

    await page.getByTestId("progress").waitFor();
    await page.screenshot({ path: join(artifacts, "training.png") });
    await page.getByTestId("job-status").getByText("completed").waitFor({ timeout: 90_000 });
    const points = await page.getByTestId("train-loss").getAttribute("points");
    expect(points?.trim().split(" ").length).toBe(8);
    expect(await page.getByTestId("eval-point").count()).toBe(4);
    const base = Number(await page.getByTestId("eval-base").textContent());
    const tuned = Number(await page.getByTestId("eval-tuned").textContent());
    expect(tuned).toBeLessThan(base);
    await expect(page.getByTestId("jobs").textContent()).resolves.toContain("completed");
    await page.getByLabel("compare prompt").fill("What does Kalodor export?");
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByTestId("compare").waitFor();
    const baseAnswer = await page.getByTestId("answer-base").textContent();
    const tunedAnswer = await page.getByTestId("answer-tuned").textContent();
    expect(tunedAnswer).not.toBe(baseAnswer);
    await page.getByLabel("price").fill("2");
    await page.getByRole("button", { name: "Register model" }).click();
    const modelId = BigInt((await page.getByTestId("model-id").textContent({ timeout: 30_000 })) as string);
    const model = await getModel(chain.publicClient, { contracts: chain.contracts, modelId });
    const job = (await (await fetch(`${factory.url}/jobs`)).json()) as { jobs: JobRecord[] };
    expect(model.owner).toBe(DEV_ADDRESS);
    expect(model.adapterHash).toBe(job.jobs[0]?.output?.adapterHash);
    expect(model.manifestRoot).toBe(job.jobs[0]?.output?.manifestRoot);
    expect(model.pricePerRequest).toBe(2n * 10n ** 18n);
    await page.screenshot({ path: join(artifacts, "registered.png"), fullPage: true });

    // Chat with the registered model: answers stream from the inference node, sources are its contributions.
    const fact = JSON.parse(new TextDecoder().decode(datanet[5]?.content)) as { prompt: string };
    await page.getByLabel("question").fill(fact.prompt);
    await page.getByRole("button", { name: "Ask" }).click();
    await page
      .locator('[data-testid="chat-answer"][data-done="true"], [role="alert"]')
      .first()
      .waitFor({ state: "attached", timeout: 60_000 });
    expect(await page.getByRole("alert").allTextContents()).toEqual([]);
    const sources = page.getByTestId("sources").locator("li");
    expect(await sources.count()).toBe(3);
    await expect(sources.first().textContent()).resolves.toContain(
      `contribution ${chain.contributionIds[5]}`,
    );
    await expect(sources.first().locator("a").getAttribute("href")).resolves.toBe(
      `datanet://${chain.datanetId}/${datanet[5]?.contentHash}`,
    );
    await page.screenshot({ path: join(artifacts, "chat.png"), fullPage: true });

    // Governance: the proposal is active by now; vote for it from the browser.
    await page.getByRole("button", { name: "Load proposals" }).click();
    const item = page.getByTestId("proposals").locator("li", { hasText: "Lower the protocol fee" });
    await item.getByText("Active").waitFor();
    await item.getByRole("button", { name: "Vote for" }).click();
    await item.getByText("voted").waitFor();
    const voted = await chain.publicClient.readContract({
      address: chain.contracts.OpenGovernor,
      abi: openGovernorAbi,
      functionName: "hasVoted",
      args: [proposal, DEV_ADDRESS],
    });
    expect(voted).toBe(true);
    expect(errors).toEqual([]);
  });

  it("shows the gateway's refusal when the contributions are not in the datanet", async () => {
    const page = await browser.newPage();
    await page.goto(factory.url);
    await page.getByRole("button", { name: "Use dev account" }).click();
    await page.getByLabel("datanet").fill(String(chain.datanetId));
    await page.getByLabel("contributions").fill("999");
    await page.getByRole("button", { name: "Sign access request and launch" }).click();
    await page.getByTestId("job-status").getByText("failed").waitFor({ timeout: 30_000 });
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/contribution 999/);
    await page.getByLabel("contributions").fill("1-x");
    await page.getByRole("button", { name: "Sign access request and launch" }).click();
    await expect(page.getByRole("alert").first().textContent()).resolves.toMatch(/not a contribution id/);
    await page.screenshot({ path: join(artifacts, "errors.png"), fullPage: true });
  });
});
