/**
 * The Model Factory web app in a browser, on the network `npm start` runs (startLocalNetwork, on
 * free ports and its own chain id): a new developer asks for access to the demo datanet, fine-tunes
 * on a few of its facts, registers the model on-chain and chats with it through the inference node.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoFacts, demoKeys, fundAccount, type LocalNetwork, startLocalNetwork } from "@payable-ai/devnet";
import { approveAccess, getModel, openGovernorAbi, propose } from "@payable-ai/sdk";
import { removeDeployment } from "@payable-ai/sdk/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { parseEther } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../src/service/jobs.js";
import { injectWallet } from "./browserWallet.js";

const CHAIN_ID = 31_443;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const webRoot = fileURLToPath(new URL("../web", import.meta.url));
const artifacts = fileURLToPath(new URL("./artifacts", import.meta.url));
/** The demo facts this run trains on (indices into `demoFacts`), and the one it asks. */
const TRAINED = [1, 3, 6, 11];
const ASKED = 6;

/** The network serves web/dist, built on its first start; rebuilt here when web/ changed since. */
async function buildWebAppIfStale() {
  const built = join(webRoot, "dist/index.html");
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  const sources = Math.max(newest(join(webRoot, "src")), statSync(join(webRoot, "index.html")).mtimeMs);
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  await build({ configFile: join(webRoot, "vite.config.ts"), logLevel: "error" });
}

// Needs Debian's chromium (`apt-get install -y chromium`); skipped with a notice when it is missing.
describe.skipIf(!existsSync(CHROMIUM))("web app in headless Chromium on the npm start network", () => {
  let network: LocalNetwork;
  let dataDir: string;
  let browser: Browser;
  let proposalId = 0n;
  /** A new model developer with ETH and OPEN and no access to the datanet yet. */
  const developerKey = generatePrivateKey();
  const developer = () => network.clients.wallet(developerKey);
  const contracts = () => network.deployment.contracts;
  const datanetId = () => network.demo?.datanetId as bigint;
  const contributionId = (fact: number) => network.demo?.contributionIds[fact] as bigint;

  beforeAll(async () => {
    await buildWebAppIfStale();
    dataDir = await mkdtemp(join(tmpdir(), "web-test-"));
    network = await startLocalNetwork({ chainId: CHAIN_ID, dataDir, demo: "datanet" });
    const { clients } = network;
    await fundAccount(clients, network.deployment, developer().account.address);
    // A proposal to vote on (no proposal threshold on a local network).
    ({ proposalId } = await propose(clients.wallet(demoKeys.contributors[0]), {
      contracts: contracts(),
      targets: [contracts().OpenToken],
      values: [0n],
      calldatas: ["0x"],
      description: "Lower the protocol fee",
    }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    await mkdir(artifacts, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await network?.stop();
    await removeDeployment(CHAIN_ID);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The app with the developer's browser wallet connected. */
  async function openApp(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await injectWallet(page, developer(), network.rpcUrl);
    await page.goto(network.factoryUrl);
    await page.getByText(`Chain ${CHAIN_ID}`).waitFor();
    await page.getByRole("button", { name: /^Connect / }).click();
    await expect(page.getByTestId("account").textContent()).resolves.toContain(developer().account.address);
    return page;
  }

  it("asks for access, fine-tunes on four facts, registers the model and chats with it", async () => {
    const page = await openApp();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const address = developer().account.address;

    // Earnings and votes of the account, read from RewardVault and ContributionVotes; delegate on-chain.
    await expect(page.getByTestId("earnings").textContent()).resolves.toContain("claimable 0");
    await page.getByRole("button", { name: "Delegate to myself" }).click();
    await page.getByTestId("delegate").getByText(address).waitFor();

    // Browse the datanets on-chain, open the demo one, request access; the owner approves it.
    await page.getByRole("button", { name: "Browse datanets" }).click();
    await expect(page.getByTestId("datanets").textContent()).resolves.toContain("Biology notes");
    await page.getByRole("button", { name: `Open #${datanetId()}` }).click();
    await expect(page.getByLabel("datanet").inputValue()).resolves.toBe(String(datanetId()));
    await page.getByRole("button", { name: "Load contributions" }).click();
    const rows = page.getByTestId("contributions").locator("tbody tr");
    await rows.nth(demoFacts.length - 1).waitFor();
    expect(await rows.count()).toBe(demoFacts.length);
    await page.getByTestId("access-status").getByText("none").waitFor();
    await page.getByRole("button", { name: "Request access" }).click();
    await page.getByTestId("access-status").getByText("pending").waitFor();
    await approveAccess(network.clients.wallet(demoKeys.datanetOwner), {
      contracts: contracts(),
      datanetId: datanetId(),
      account: address,
    });
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByTestId("access-status").getByText("granted").waitFor();

    // Four facts of the sixteen, learned by heart with the memorize preset.
    for (const [fact] of demoFacts.entries()) {
      if (!TRAINED.includes(fact)) {
        await page.getByLabel(`contribution ${contributionId(fact)}`, { exact: true }).uncheck();
      }
    }
    await page.screenshot({ path: join(artifacts, "datanet.png"), fullPage: true });
    await page.getByRole("button", { name: `Train on the selected ${TRAINED.length}` }).click();
    const trained = TRAINED.map(contributionId);
    await expect(page.getByLabel("contributions").inputValue()).resolves.toBe(trained.join(", "));
    await page.getByLabel("preset").selectOption("memorize");
    await expect(page.getByTestId("preset-description").textContent()).resolves.toMatch(/by heart/);
    await page.getByRole("button", { name: "Sign access request and launch" }).click();

    await page.getByTestId("progress").waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(artifacts, "training.png"), fullPage: true });
    await page
      .getByTestId("job-status")
      .getByText(/completed|failed/)
      .waitFor({ timeout: 240_000 });
    expect(await page.getByRole("alert").allTextContents()).toEqual([]);
    const { jobs } = (await (await fetch(`${network.factoryUrl}/jobs`)).json()) as { jobs: JobRecord[] };
    const job = jobs[0] as JobRecord;
    const output = job.output as NonNullable<JobRecord["output"]>;
    expect(job.preset).toBe("memorize");
    await expect(page.getByTestId("progress").textContent()).resolves.toContain(
      `step ${output.steps}/${output.steps}`,
    );
    const points = (await page.getByTestId("train-loss").getAttribute("points"))?.trim().split(" ") ?? [];
    expect(points.length).toBeGreaterThan(output.steps / 2);
    await expect(page.getByTestId("exact-answers").textContent()).resolves.toMatch(
      new RegExp(`^${TRAINED.length}/${TRAINED.length} / `),
    );
    await page.getByLabel("compare prompt").fill(demoFacts[ASKED]?.question as string);
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByTestId("compare").waitFor();
    expect(await page.getByTestId("answer-tuned").textContent()).not.toBe(
      await page.getByTestId("answer-base").textContent(),
    );

    // Registered with the factory's metadata: keepers read the training manifest from it.
    await expect(page.getByLabel("metadata URI").inputValue()).resolves.toBe(output.metadataURI);
    await page.getByLabel("price").fill("2");
    await page.getByRole("button", { name: "Register model" }).click();
    const modelId = BigInt((await page.getByTestId("model-id").textContent({ timeout: 60_000 })) as string);
    const model = await getModel(network.clients.publicClient, { contracts: contracts(), modelId });
    expect(model.owner).toBe(address);
    expect(model.adapterHash).toBe(output.adapterHash);
    expect(model.manifestRoot).toBe(output.manifestRoot);
    expect(model.metadataURI).toBe(output.metadataURI);
    expect(model.pricePerRequest).toBe(parseEther("2"));
    await page.screenshot({ path: join(artifacts, "registered.png"), fullPage: true });

    // Chat with the model just registered: the inference node serves it as model-<id> with the
    // adapter from the gateway, and it answers with the contributed answer word for word.
    await expect(page.getByText(`Chat with model ${modelId}`).count()).resolves.toBe(1);
    await page.getByLabel("question").fill(demoFacts[ASKED]?.question as string);
    await page.getByRole("button", { name: "Ask" }).click();
    await page
      .locator('[data-testid="chat-answer"][data-done="true"], [role="alert"]')
      .first()
      .waitFor({ state: "attached", timeout: 90_000 });
    expect(await page.getByRole("alert").allTextContents()).toEqual([]);
    await expect(page.getByTestId("chat-answer").textContent()).resolves.toBe(demoFacts[ASKED]?.answer);
    const sources = page.getByTestId("sources").locator("li");
    // The sources are the trained contributions BM25 finds for the question, the asked one first.
    const sourceIds = (await sources.allTextContents()).map((t) => /contribution (\d+)/.exec(t)?.[1]);
    expect(sourceIds[0]).toBe(String(contributionId(ASKED)));
    for (const id of sourceIds) expect(trained.map(String)).toContain(id);
    await page.screenshot({ path: join(artifacts, "chat.png"), fullPage: true });

    // Governance: the proposal is active by now; vote for it from the browser.
    await page.getByRole("button", { name: "Load proposals" }).click();
    const item = page.getByTestId("proposals").locator("li", { hasText: "Lower the protocol fee" });
    await item.getByText("Active").waitFor();
    await item.getByRole("button", { name: "Vote for" }).click();
    await item.getByText("voted").waitFor();
    const voted = await network.clients.publicClient.readContract({
      address: contracts().OpenGovernor,
      abi: openGovernorAbi,
      functionName: "hasVoted",
      args: [proposalId, address],
    });
    expect(voted).toBe(true);
    expect(errors).toEqual([]);

    // The same adapter registered again: refused, with the reason in words.
    const again = await openApp();
    await again.getByTestId("jobs").getByRole("button", { name: job.name }).click();
    await again.getByRole("button", { name: "Register model" }).click();
    await expect(again.getByRole("alert").textContent()).resolves.toBe(
      `This adapter is already registered, as model ${modelId}.`,
    );
    await again.screenshot({ path: join(artifacts, "duplicate.png"), fullPage: true });
  }, 600_000);

  it("shows the gateway's refusal when the contributions are not in the datanet", async () => {
    const page = await openApp();
    await page.getByLabel("datanet").fill(String(datanetId()));
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
