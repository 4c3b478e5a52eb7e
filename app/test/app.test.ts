/**
 * The web app in headless Chromium on the network `npm start` runs (startLocalNetwork, on free
 * ports and its own chain id), one test per role's main flow, each ending in an on-chain or
 * indexer assertion; every page is scanned with axe-core and checked at 390 px.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoFacts, demoKeys, fundAccount, type LocalNetwork, startLocalNetwork } from "@payable-ai/devnet";
import {
  contributionVotesAbi,
  datanetRegistryAbi,
  getModel,
  getRequestPayout,
  getRewards,
  hasAccess,
  inferenceMarketAbi,
  openGovernorAbi,
  openTokenAbi,
  registerModel,
} from "@payable-ai/sdk";
import { removeDeployment } from "@payable-ai/sdk/testing";
import type { Browser } from "playwright-core";
import { parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { errorText } from "../src/errors.js";
import { formatOpen } from "../src/format.js";
import {
  closePages,
  expectAccessible,
  expectActingAs,
  expectFitsPhone,
  graphql,
  hasChromium,
  launchBrowser,
  openApp,
  screenshot,
} from "./harness.js";

const CHAIN_ID = 31_451;

// Needs Debian's chromium (`apt-get install -y chromium`); skipped with a notice when it is missing.
describe.skipIf(!hasChromium)("web app in headless Chromium on the npm start network", () => {
  let network: LocalNetwork;
  let dataDir: string;
  let browser: Browser;
  const contracts = () => network.deployment.contracts;
  const datanetId = () => network.demo?.datanetId as bigint;
  const read = <T>(parameters: Parameters<LocalNetwork["clients"]["publicClient"]["readContract"]>[0]) =>
    network.clients.publicClient.readContract(parameters) as Promise<T>;
  const balanceOf = (account: `0x${string}`) =>
    read<bigint>({
      address: contracts().OpenToken,
      abi: openTokenAbi,
      functionName: "balanceOf",
      args: [account],
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "app-test-"));
    network = await startLocalNetwork({ chainId: CHAIN_ID, dataDir, demo: "datanet" });
    browser = await launchBrowser();
  }, 600_000);

  afterEach(() => closePages());

  afterAll(async () => {
    await browser?.close();
    await network?.stop();
    await removeDeployment(CHAIN_ID);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("explores datanets, models, requests and leaderboards without an account", async () => {
    const page = await openApp(browser, network.appUrl);
    await expect(page.getByTestId("account").textContent()).resolves.toMatch(/No account chosen/);
    // No model yet on this network: the marketplace says so instead of showing nothing.
    await page
      .getByTestId("empty")
      .getByText(/No model registered yet/)
      .waitFor();
    await page.getByRole("tab", { name: "Datanets" }).click();
    const card = page.getByTestId(`datanet-${datanetId()}`);
    await card.getByText("Biology notes").waitFor();
    await expect(card.textContent()).resolves.toContain(
      `${demoFacts.length} accepted of ${demoFacts.length}`,
    );
    await expect(card.textContent()).resolves.toContain("10 OPEN");
    await page.getByRole("tab", { name: "Leaderboards" }).click();
    const keepers = page.getByTestId("leaderboard-keepers");
    await keepers.locator("tr").nth(2).waitFor();
    // The three staked keepers, as the indexer holds them.
    const indexed = await graphql<{ keepers: { items: { active: boolean }[] } }>(
      network.appUrl,
      "{ keepers { items { address active } } }",
    );
    expect(indexed.keepers.items.filter((k) => k.active)).toHaveLength(3);
    expect(await keepers.locator("tr").count()).toBe(3);

    // Without a browser wallet, connecting says what to do.
    await page.getByRole("button", { name: "Connect browser wallet" }).click();
    await page
      .getByRole("alert")
      .getByText(/No browser wallet was found/)
      .waitFor();
    await expectAccessible(page);
    await screenshot(page, "explore");
    await expectFitsPhone(page, "explore");
    expect(page.errors).toEqual([]);
  });

  it("the GraphQL IDE loads and queries the indexer with every other host out of reach", async () => {
    const page = await openApp(browser, network.appUrl);
    // Offline: every request to a host other than this machine fails.
    const outside: string[] = [];
    await page.context().route("**/*", (route) => {
      const { hostname } = new URL(route.request().url());
      if (["127.0.0.1", "localhost", "[::1]"].includes(hostname)) return route.continue();
      outside.push(route.request().url());
      return route.abort("internetdisconnected");
    });
    await page.getByRole("link", { name: /^GraphQL/ }).click();
    await page.locator(".graphiql-query-editor .view-lines").getByText("datanets").first().waitFor();
    await page.getByRole("button", { name: /^Execute query/ }).click();
    const response = page.locator(".result-window .view-lines");
    await response.getByText('"contributionCount"').waitFor({ timeout: 30_000 });
    const indexed = await graphql<{ datanets: { items: { id: string; owner: string }[] } }>(
      network.appUrl,
      '{ datanets(orderBy: "id", orderDirection: "asc", limit: 10) { items { id owner } } }',
    );
    const demo = indexed.datanets.items.find((d) => d.id === String(datanetId()));
    // Monaco draws each (wrapped) line as its own element; joined without blanks, the response as shown.
    const shown = (await response.locator(".view-line").allTextContents())
      .join("")
      .replace(/[\s\u00a0]/g, "");
    expect(shown).toContain(`"owner":"${demo?.owner}"`);
    expect(shown).toContain(`"contributionCount":${demoFacts.length}`);
    expect(outside).toEqual([]);
    await screenshot(page, "graphql");
    expect(page.errors).toEqual([]);
  });

  it("a contributor adds text and a file with their bond; the curator accepts one and rejects the other", async () => {
    const contributorKey = demoKeys.contributors[0];
    const contributor = privateKeyToAccount(contributorKey).address;
    const balance = () => balanceOf(contributor);
    const before = await balance();
    const page = await openApp(browser, network.appUrl, {
      path: `/datanets/${datanetId()}`,
      as: contributorKey,
    });
    const text = JSON.stringify({
      question: "What do red blood cells carry?",
      answer: "Oxygen, bound to haemoglobin.",
    });
    await page.getByLabel("Content").fill(text);
    await page.getByRole("button", { name: "Approve 10 OPEN bond and contribute" }).click();
    const first = page.getByTestId("contributed");
    await first.getByText("pending").waitFor();
    const textId = BigInt((await first.getAttribute("data-contribution")) as string);

    await page.getByText("Upload a file").click();
    const fileText = JSON.stringify({ question: "What is a virus?", answer: "Not a plant." });
    await page.locator('input[type="file"]').setInputFiles({
      name: "fact.json",
      mimeType: "application/json",
      buffer: Buffer.from(fileText),
    });
    await page.getByRole("button", { name: "Approve 10 OPEN bond and contribute" }).click();
    await page
      .locator(`[data-testid="contributed"]:not([data-contribution="${textId}"])`)
      .getByText("pending")
      .waitFor();
    const fileId = BigInt(
      (await page.getByTestId("contributed").getAttribute("data-contribution")) as string,
    );
    expect(await balance()).toBe(before - parseEther("20"));
    await page.getByTestId("my-contributions").getByText(`#${fileId}`).waitFor();
    await expectAccessible(page);
    await screenshot(page, "contribute");
    expect(page.errors).toEqual([]);

    // The curator reads the pending contents through the gateway, then decides.
    const curator = await openApp(browser, network.appUrl, {
      path: `/datanets/${datanetId()}`,
      as: demoKeys.curator,
    });
    await curator.getByRole("button", { name: "Show the pending contents" }).click();
    await expect(curator.getByTestId(`pending-content-${textId}`).textContent()).resolves.toBe(text);
    await expect(curator.getByTestId(`pending-content-${fileId}`).textContent()).resolves.toBe(fileText);
    await curator
      .getByTestId(`pending-${textId}`)
      .getByRole("button", { name: "Accept (bond back)" })
      .click();
    await curator.getByTestId(`pending-${textId}`).waitFor({ state: "detached" });
    await curator
      .getByTestId(`pending-${fileId}`)
      .getByRole("button", { name: "Reject (bond to treasury)" })
      .click();
    await curator.getByTestId(`pending-${fileId}`).waitFor({ state: "detached" });
    await curator.getByTestId("curator-queue").getByText("Nothing waits for review.").waitFor();
    const status = async (contributionId: bigint) =>
      (
        await read<{ status: number }>({
          address: contracts().DatanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "getContribution",
          args: [contributionId],
        })
      ).status;
    expect(await status(textId)).toBe(2); // accepted
    expect(await status(fileId)).toBe(3); // rejected
    // The accepted bond came back; the rejected one did not.
    expect(await balance()).toBe(before - parseEther("10"));
    await expectAccessible(curator);
    await expectFitsPhone(curator, "curator");
    expect(curator.errors).toEqual([]);
  });

  it("a new developer sees the access fee, pays it, the owner approves, and the developer reads the data", async () => {
    const developerKey = generatePrivateKey();
    const wallet = network.clients.wallet(developerKey);
    await fundAccount(network.clients, network.deployment, wallet.account.address);
    const page = await openApp(browser, network.appUrl, { wallet: { wallet, rpcUrl: network.rpcUrl } });
    await page.getByRole("button", { name: "Connect browser wallet" }).click();
    await expectActingAs(page, wallet.account.address);
    await page.getByRole("link", { name: /^Datanets/ }).click();
    await page.getByRole("link", { name: "Biology notes" }).click();
    const access = page.getByTestId("access");
    await access.getByText(/Reading this datanet costs 50 OPEN/).waitFor();
    await access.getByRole("button", { name: "Pay 50 OPEN and request access" }).click();
    await page.locator('[data-testid="access-status"][data-status="requested"]').waitFor();

    const ownerAddress = privateKeyToAccount(demoKeys.datanetOwner).address;
    const ownerBalance = () => balanceOf(ownerAddress);
    const before = await ownerBalance();
    const owner = await openApp(browser, network.appUrl, {
      path: `/datanets/${datanetId()}`,
      as: demoKeys.datanetOwner,
    });
    const request = owner.getByTestId(`request-${wallet.account.address.toLowerCase()}`);
    await request.getByRole("button", { name: "Approve (50 OPEN to you)" }).click();
    await request.waitFor({ state: "detached" });
    expect(await ownerBalance()).toBe(before + parseEther("50"));
    await expectAccessible(owner);
    await screenshot(owner, "owner");
    expect(owner.errors).toEqual([]);

    await page.locator('[data-testid="access-status"][data-status="granted"]').waitFor();
    expect(
      await hasAccess(network.clients.publicClient, {
        contracts: contracts(),
        datanetId: datanetId(),
        account: wallet.account.address,
      }),
    ).toBe(true);
    await page.getByRole("button", { name: "Preview contents" }).click();
    const firstId = network.demo?.contributionIds[0] as bigint;
    await page
      .getByTestId(`content-${firstId}`)
      .getByText(demoFacts[0]?.answer as string)
      .waitFor();
    expect(page.errors).toEqual([]);
  });

  it("an owner creates a datanet with its bond, fee and curators", async () => {
    const page = await openApp(browser, network.appUrl, { path: "/datanets", as: demoKeys.datanetOwner });
    await page.getByLabel("Name").fill("Kitchen chemistry");
    await page.getByLabel("Contribution bond (OPEN)").fill("2.5");
    await page.getByLabel("Access fee (OPEN)").fill("abc");
    await page.getByRole("button", { name: "Create datanet" }).click();
    await page
      .getByRole("alert")
      .getByText("The access fee must be a number of OPEN, like 2 or 0.5.")
      .waitFor();
    await page.getByLabel("Access fee (OPEN)").fill("5");
    await page.getByLabel("Curators").fill(privateKeyToAccount(demoKeys.curator).address);
    await page.getByRole("button", { name: "Create datanet" }).click();
    await page.getByRole("heading", { name: "Kitchen chemistry" }).waitFor();
    // The stale error is gone with the successful attempt.
    expect(await page.getByRole("alert").count()).toBe(0);
    const id = BigInt(new URL(page.url()).pathname.split("/").at(-1) as string);
    const created = await read<{
      owner: string;
      contributionBond: bigint;
      accessFee: bigint;
      metadataURI: string;
    }>({
      address: contracts().DatanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "getDatanet",
      args: [id],
    });
    expect(created.owner).toBe(privateKeyToAccount(demoKeys.datanetOwner).address);
    expect(created.contributionBond).toBe(parseEther("2.5"));
    expect(created.accessFee).toBe(parseEther("5"));
    expect(decodeURIComponent(created.metadataURI)).toContain("Kitchen chemistry");
    await expectFitsPhone(page, "datanet");
    expect(page.errors).toEqual([]);
  });

  /** Four of the sixteen facts, learned by heart; the one asked afterwards. */
  const TRAINED = [1, 3, 6, 11];
  const ASKED = 6;
  const contributionId = (fact: number) => network.demo?.contributionIds[fact] as bigint;
  let modelId = 0n;
  let requestId = 0n;

  it("a developer fine-tunes on four facts, registers the model, and the reopened job keeps its whole state", async () => {
    const page = await openApp(browser, network.appUrl, { path: "/factory", as: demoKeys.developer });
    await page.locator('[data-testid="factory-access"][data-access="granted"]').waitFor();
    await page.getByRole("button", { name: "none", exact: true }).click();
    for (const fact of TRAINED)
      await page.getByLabel(`contribution ${contributionId(fact)}`, { exact: true }).check();
    await page.getByRole("button", { name: "Preview the data" }).click();
    await expect(page.getByTestId("dataset-preview").textContent()).resolves.toContain(demoFacts[1]?.answer);
    await expect(page.getByTestId("preset-description").textContent()).resolves.toMatch(/by heart/);
    await page.getByRole("button", { name: "Advanced settings" }).click();
    await page.getByLabel("LoRA rank").fill("0");
    await page.getByText("LoRA rank must be between 1 and 256.").waitFor();
    await page.getByRole("button", { name: "Sign the data request and start training" }).click();
    await page.getByRole("alert").getByText("LoRA rank must be between 1 and 256.").waitFor();
    await page.getByLabel("LoRA rank").fill("");
    await page.getByLabel("Job name").fill("Four biology facts");
    await page.getByRole("button", { name: "Sign the data request and start training" }).click();
    await page.getByTestId("progress").waitFor({ timeout: 60_000 });
    await screenshot(page, "training");
    await page
      .getByTestId("job-status")
      .getByText(/completed|failed/)
      .waitFor({ timeout: 300_000 });
    expect(await page.getByRole("alert").allTextContents()).toEqual([]);
    const jobId = new URL(page.url()).pathname.split("/").at(-1) as string;
    const job = (await (await fetch(`${network.appUrl}/api/factory/jobs/${jobId}`)).json()) as {
      name: string;
      preset: string;
      output: { steps: number; adapterHash: string; manifestRoot: string; metadataURI: string };
    };
    expect(job.preset).toBe("memorize");
    expect(job.name).toBe("Four biology facts");
    const drawn = Number(await page.getByTestId("loss-chart").getAttribute("data-points"));
    expect(drawn).toBeGreaterThan(job.output.steps / 2);
    await expect(page.getByTestId("exact-answers").textContent()).resolves.toMatch(
      new RegExp(`^${TRAINED.length}/${TRAINED.length} / `),
    );
    await page.getByLabel("compare prompt").fill(demoFacts[ASKED]?.question as string);
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByTestId("compare").waitFor();
    expect(await page.getByTestId("answer-tuned").textContent()).not.toBe(
      await page.getByTestId("answer-base").textContent(),
    );
    await page.getByLabel("price").fill("2");
    await page.getByRole("button", { name: "Register model" }).click();
    modelId = BigInt((await page.getByTestId("model-id").textContent({ timeout: 60_000 })) as string);
    const model = await getModel(network.clients.publicClient, { contracts: contracts(), modelId });
    expect(model.owner).toBe(privateKeyToAccount(demoKeys.developer).address);
    expect(model.adapterHash).toBe(job.output.adapterHash);
    expect(model.manifestRoot).toBe(job.output.manifestRoot);
    expect(model.metadataURI).toBe(job.output.metadataURI);
    expect(model.pricePerRequest).toBe(parseEther("2"));
    await screenshot(page, "registered");
    await expectAccessible(page);
    expect(page.errors).toEqual([]);

    // Reopened from the job history: the curve, the evaluation and the registration are all there.
    const again = await openApp(browser, network.appUrl, { path: "/factory", as: demoKeys.developer });
    await again.getByTestId("jobs").getByRole("link", { name: "Four biology facts" }).click();
    await again.getByTestId("job-status").getByText("completed").waitFor();
    await again.locator(`[data-testid="registered"][data-model="${modelId}"]`).waitFor();
    expect(await again.getByRole("button", { name: "Register model" }).count()).toBe(0);
    expect(Number(await again.getByTestId("loss-chart").getAttribute("data-points"))).toBe(drawn);
    await expectFitsPhone(again, "job");
    expect(again.errors).toEqual([]);

    // Registering the same adapter again is refused on-chain, and said in words.
    const refused = await registerModel(network.clients.wallet(demoKeys.developer), {
      contracts: contracts(),
      baseModelId: model.baseModelId,
      adapterHash: model.adapterHash,
      adapterURI: "blob:0x00",
      manifestRoot: model.manifestRoot,
      datanetIds: [datanetId()],
      pricePerRequest: 1n,
      metadataURI: "",
    }).catch((error: unknown) => error);
    expect(errorText(refused)).toBe(`This adapter is already registered, as model ${modelId}.`);
  }, 600_000);

  it("a requester pays for an answer and sees it, its sources and who gets paid, credited on-chain", async () => {
    const page = await openApp(browser, network.appUrl, {
      path: `/playground?model=${modelId}`,
      as: demoKeys.user,
    });
    await page.getByLabel("Question").fill(demoFacts[ASKED]?.question as string);
    // The free preview streams the model's answer through the inference node; nobody is paid.
    await page.getByRole("button", { name: /^Free preview/ }).click();
    await page.locator('[data-testid="preview-answer"][data-done="true"]').waitFor({ timeout: 90_000 });
    await expect(page.getByTestId("preview-answer").textContent()).resolves.toBe(demoFacts[ASKED]?.answer);
    // Its sources are the contributions retrieved for the question; the answer cites none, so no marks.
    await page.getByTestId("preview-sources").getByTestId("preview-source-1").waitFor();
    expect(await page.getByTestId("preview-answer").getByTestId("cite").count()).toBe(0);
    await page.getByRole("button", { name: "Pay 2 OPEN and ask" }).click();
    const paid = page.getByTestId("paid");
    await paid.waitFor();
    requestId = BigInt((await paid.getAttribute("data-request")) as string);
    await page.locator('[data-testid="paid"][data-stage="reported"]').waitFor({ timeout: 180_000 });
    // The answer's marks stand where the keepers found it in a credited contribution.
    const mark = page.getByTestId("answer").getByTestId("cite").first();
    await mark.waitFor({ timeout: 60_000 });
    const shown = (await page.getByTestId("answer").textContent()) as string;
    expect(shown.replace(/\[\d+\]/g, "")).toBe(demoFacts[ASKED]?.answer);
    const detail = (await (await fetch(`${network.appUrl}/api/indexer/requests/${requestId}`)).json()) as {
      output: string;
      spans: { charStart: number; charEnd: number; contributionIds: string[] }[];
      attributions: { contributionId: string }[];
    };
    const creditedIds = new Set(detail.attributions.map((a) => a.contributionId));
    const askedSpan = detail.spans.find((s) => s.contributionIds.includes(String(contributionId(ASKED))));
    expect(askedSpan).toBeDefined();
    const n = Number(await mark.getAttribute("data-marks"));
    await expect(page.getByTestId(`source-${n}`).getAttribute("data-contribution")).resolves.toBe(
      String(contributionId(ASKED)),
    );
    // The first mark follows the end of the first credited span.
    const firstEnd = Math.min(
      ...detail.spans
        .filter((s) => s.contributionIds.some((id) => creditedIds.has(id)))
        .map((s) => s.charEnd),
    );
    const beforeMark = await page
      .getByTestId("answer")
      .evaluate((el) => (el.querySelector("sup")?.parentElement?.firstChild?.textContent ?? "") as string);
    expect(beforeMark).toBe(detail.output.slice(0, firstEnd));
    await page.getByTestId(`payee-contribution-${contributionId(ASKED)}`).waitFor();
    await screenshot(page, "playground");
    await page.locator('[data-testid="payout"][data-settlement="credited"]').waitFor({ timeout: 180_000 });
    const payout = await getRequestPayout(network.clients.publicClient, {
      contracts: contracts(),
      requestId,
    });
    expect(payout.status).toBe("finalized");
    const credited = payout.split?.contributors.find((c) => c.contributionId === contributionId(ASKED));
    expect(credited?.amount).toBeGreaterThan(0n);
    const row = page.getByTestId(`payee-contribution-${contributionId(ASKED)}`);
    await expect(row.textContent()).resolves.toContain(formatOpen(credited?.amount as bigint));
    await expectAccessible(page);
    await expectFitsPhone(page, "playground");
    expect(page.errors).toEqual([]);
  }, 600_000);

  it("a contributor sees earnings by source, claims them, and votes on a proposal with the weight shown", async () => {
    const fact = demoFacts[ASKED] as { contributor: 0 | 1 };
    const key = demoKeys.contributors[fact.contributor];
    const address = privateKeyToAccount(key).address;
    const page = await openApp(browser, network.appUrl, { path: "/account", as: key });
    const { claimable } = await getRewards(network.clients.publicClient, {
      contracts: contracts(),
      account: address,
    });
    expect(claimable).toBeGreaterThan(0n);
    await expect
      .poll(() => page.getByTestId("earned-data").textContent(), { timeout: 15_000 })
      .not.toBe("0 OPEN");
    await page.getByRole("button", { name: `Claim ${formatOpen(claimable)}` }).click();
    await page.getByTestId("claimed").waitFor();
    const after = await getRewards(network.clients.publicClient, {
      contracts: contracts(),
      account: address,
    });
    expect(after.claimable).toBe(0n);
    expect(after.claimed).toBe(claimable);
    // Votes were minted for what it earned and self-delegated on that first mint.
    await expect(page.getByTestId("delegate").getAttribute("data-delegate")).resolves.toBe(address);
    await expectAccessible(page);
    await screenshot(page, "account");
    expect(page.errors).toEqual([]);

    const market = { address: contracts().InferenceMarket, abi: inferenceMarketAbi } as const;
    const maxAttributionsNow = async () =>
      (await read<{ maxAttributions: number }>({ ...market, functionName: "parameters" })).maxAttributions;
    const maxAttributions = await maxAttributionsNow();
    const gov = await openApp(browser, network.appUrl, { path: "/governance", as: key });
    await gov.getByLabel("Title").fill("Fewer attributions per report");
    await gov.getByLabel("Description").fill("Keeps reports small.");
    await gov.getByRole("combobox", { name: "Function" }).click();
    await gov.getByRole("option", { name: "setMaxAttributions(uint16)" }).click();
    await gov.getByLabel("maxAttributions (uint16)").fill(String(maxAttributions - 1));
    await gov.getByRole("button", { name: "Propose" }).click();
    await gov.getByTestId("proposed").waitFor();
    const card = gov.locator('[data-testid^="proposal-"]', { hasText: "Fewer attributions per report" });
    await card.getByText(`InferenceMarket.setMaxAttributions(${maxAttributions - 1})`).waitFor();
    await card.getByTestId("weight").waitFor({ timeout: 30_000 });
    const votes = await read<bigint>({
      address: contracts().ContributionVotes,
      abi: contributionVotesAbi,
      functionName: "getVotes",
      args: [address],
    });
    await expect(card.getByTestId("weight").textContent()).resolves.toContain(formatOpen(votes, false));
    await card.getByRole("button", { name: "Vote for" }).click();
    await card.getByTestId("voted").waitFor();
    const proposalId = BigInt(((await card.getAttribute("data-testid")) as string).slice("proposal-".length));
    const [, forVotes] = await read<[bigint, bigint, bigint]>({
      address: contracts().OpenGovernor,
      abi: openGovernorAbi,
      functionName: "proposalVotes",
      args: [proposalId],
    });
    expect(forVotes).toBe(votes);
    await expectAccessible(gov);
    await expectFitsPhone(gov, "governance");

    // Past the voting period: queue; past the timelock delay: execute, from the browser.
    const { testClient } = network.clients;
    await testClient.increaseTime({ seconds: 6 * 60 });
    await testClient.mine({ blocks: 1 });
    await gov.setViewportSize({ width: 1280, height: 900 });
    await card.getByRole("button", { name: "Queue in the timelock" }).click({ timeout: 30_000 });
    await gov
      .locator(`[data-testid="proposal-${proposalId}"][data-status="queued"]`)
      .waitFor({ timeout: 30_000 });
    await testClient.increaseTime({ seconds: 2 * 60 });
    await testClient.mine({ blocks: 1 });
    await card.getByRole("button", { name: "Execute" }).click({ timeout: 30_000 });
    await gov
      .locator(`[data-testid="proposal-${proposalId}"][data-status="executed"]`)
      .waitFor({ timeout: 30_000 });
    expect(await maxAttributionsNow()).toBe(maxAttributions - 1);
    await screenshot(gov, "governance");
    expect(gov.errors).toEqual([]);
  }, 300_000);

  it("a keeper's dashboard shows stake, status, reports and earnings as indexed", async () => {
    const key = demoKeys.keepers[0];
    const page = await openApp(browser, network.appUrl, { path: "/keepers", as: key });
    const indexed = await graphql<{ keepers: { items: { address: string; reportsExecuted: number }[] } }>(
      network.appUrl,
      "{ keepers { items { address reportsExecuted } } }",
    );
    expect(indexed.keepers.items.reduce((n, k) => n + k.reportsExecuted, 0)).toBeGreaterThanOrEqual(1);
    for (const k of indexed.keepers.items) {
      await expect(
        page.getByTestId(`keeper-${k.address.toLowerCase()}`).getByTestId("reports-executed").textContent(),
      ).resolves.toBe(String(k.reportsExecuted));
    }
    await page.getByTestId("reports").getByText(`#${requestId}`).first().waitFor();
    await expectAccessible(page);
    await expectFitsPhone(page, "keepers");
    expect(page.errors).toEqual([]);

    // Explore's requests: the finalized request's status badge shows its whole label.
    const explore = await openApp(browser, network.appUrl);
    await explore.getByRole("tab", { name: "Requests" }).click();
    const badge = explore.getByTestId(`status-${requestId}`);
    await badge.getByText("finalized").waitFor();
    const clipped = await badge.evaluate((el) => {
      const label = el.querySelector(".mantine-Badge-label") ?? el;
      return label.scrollWidth - label.clientWidth;
    });
    expect(clipped).toBe(0);
    await screenshot(explore, "requests");
    expect(explore.errors).toEqual([]);
  });

  it("a contributor points a contribution's payouts to a new wallet", async () => {
    const key = demoKeys.contributors[1];
    const contributionId = network.demo?.contributionIds.find(
      (_, i) => demoFacts[i]?.contributor === 1,
    ) as bigint;
    const newWallet = privateKeyToAccount(generatePrivateKey()).address;
    const page = await openApp(browser, network.appUrl, { path: "/account", as: key });
    const payees = page.getByTestId("payees");
    await payees.getByTestId(`payee-${contributionId}`).waitFor();
    await payees.getByRole("combobox", { name: "Contribution" }).click();
    await page.getByRole("option", { name: `#${contributionId} (datanet ${datanetId()})` }).click();
    // A mistyped address is refused in words before any transaction.
    await payees.getByLabel("New payee").fill("0x1234");
    await payees.getByRole("button", { name: "Send its payouts there" }).click();
    await payees
      .getByRole("alert")
      .getByText(/"0x1234" is not an address/)
      .waitFor();
    await payees.getByLabel("New payee").fill(newWallet);
    await payees.getByRole("button", { name: "Send its payouts there" }).click();
    await payees.getByTestId("payee-changed").waitFor();
    // The stale refusal is gone with the successful attempt.
    expect(await payees.getByText(/is not an address/).count()).toBe(0);
    const stored = await read<{ payee: string }>({
      address: contracts().DatanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "getContribution",
      args: [contributionId],
    });
    expect(stored.payee).toBe(newWallet);
    // The table follows the indexer.
    await page
      .locator(`[data-testid="payee-${contributionId}"][data-payee="${newWallet.toLowerCase()}"]`)
      .waitFor({ timeout: 30_000 });
    await expectAccessible(page);
    await expectFitsPhone(page, "payee");
    expect(page.errors).toEqual([]);
  });

  // Last: it moves the chain's clock a day ahead.
  it("a contributor withdraws an unreviewed contribution with its bond after the review timeout", async () => {
    const key = demoKeys.contributors[1];
    const contributor = privateKeyToAccount(key).address;
    const balance = () => balanceOf(contributor);
    const page = await openApp(browser, network.appUrl, { path: `/datanets/${datanetId()}`, as: key });
    await page
      .getByLabel("Content")
      .fill(JSON.stringify({ question: "Nobody reviews this?", answer: "No." }));
    await page.getByRole("button", { name: "Approve 10 OPEN bond and contribute" }).click();
    const submitted = page.getByTestId("contributed");
    await submitted.getByText("pending").waitFor();
    const id = BigInt((await submitted.getAttribute("data-contribution")) as string);
    const afterBond = await balance();
    const row = page.getByTestId(`mine-${id}`);
    const stored = () =>
      read<{ status: number; reviewDeadline: bigint; bond: bigint }>({
        address: contracts().DatanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "getContribution",
        args: [id],
      });
    const { reviewDeadline, bond } = await stored();
    await expect(row.getByTestId("review-deadline").getAttribute("data-deadline")).resolves.toBe(
      String(reviewDeadline),
    );
    const withdraw = row.getByRole("button", { name: `Withdraw (${formatOpen(bond)} back)` });
    expect(await withdraw.isDisabled()).toBe(true);
    await screenshot(page, "withdraw-pending");

    const { testClient, publicClient } = network.clients;
    const now = (await publicClient.getBlock()).timestamp;
    await testClient.increaseTime({ seconds: Number(reviewDeadline - now) + 1 });
    await testClient.mine({ blocks: 1 });
    await expect.poll(() => withdraw.isEnabled(), { timeout: 15_000 }).toBe(true);
    await withdraw.click();
    await page.getByTestId("withdrawn").waitFor();
    expect((await stored()).status).toBe(4); // withdrawn
    expect(await balance()).toBe(afterBond + bond);
    await page.locator(`[data-testid="mine-${id}"][data-status="withdrawn"]`).waitFor({ timeout: 30_000 });
    await expectAccessible(page);
    expect(page.errors).toEqual([]);
  });
});
