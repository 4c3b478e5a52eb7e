import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Wallet } from "@payable-ai/devnet";
import { type Browser, chromium, type Page } from "playwright-core";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { expect } from "vitest";
import { injectWallet } from "./browserWallet.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const artifacts = fileURLToPath(new URL("./artifacts", import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export async function launchBrowser(): Promise<Browser> {
  await mkdir(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A page of the app with its console errors and uncaught exceptions collected. */
export type AppPage = Page & { errors: string[] };

const open = new Set<Page>();

/** Closes every page `openApp` opened: each polls the indexer, and 2 cores serve them all. */
export async function closePages(): Promise<void> {
  await Promise.all([...open].map((p) => p.close().catch(() => {})));
  open.clear();
}

export async function openApp(
  browser: Browser,
  appUrl: string,
  options: { path?: string; width?: number; as?: Hex; wallet?: { wallet: Wallet; rpcUrl: string } } = {},
): Promise<AppPage> {
  const page = (await browser.newPage({
    viewport: { width: options.width ?? 1280, height: 900 },
  })) as AppPage;
  page.errors = [];
  open.add(page);
  page.on("pageerror", (e) => page.errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") page.errors.push(m.text());
  });
  if (options.wallet) await injectWallet(page, options.wallet.wallet, options.wallet.rpcUrl);
  if (options.as) {
    const address = privateKeyToAccount(options.as).address;
    await page.addInitScript((a) => localStorage.setItem("payable-ai.demo-account", a), address);
  }
  await page.goto(new URL(options.path ?? "/", appUrl).href);
  await page.getByTestId("chain").waitFor();
  if (options.as) await expectActingAs(page, privateKeyToAccount(options.as).address);
  return page;
}

/** Waits until the app acts as `address`. */
export async function expectActingAs(page: Page, address: Address): Promise<void> {
  await page.locator(`[data-testid="account"][data-address="${address}"]`).waitFor({ state: "attached" });
}

/** axe-core over the whole page: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe.run();
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  expect(violations).toEqual([]);
}

/** At 390 px wide the page does not scroll sideways; the screenshot is kept as an artifact. */
export async function expectFitsPhone(page: Page, name: string): Promise<void> {
  // The pointer leaves the page first: a tooltip it opened where the last click was, at the old
  // width, is no part of the layout being checked.
  await page.mouse.move(0, 0);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  // Components that measure themselves lay out again after the resize; on a loaded machine that takes a while.
  await expect
    .poll(overflow, { timeout: 5_000 })
    .toBeLessThanOrEqual(0)
    .catch(() => {});
  // The navigation slides out of view at this width (a 200 ms transition): the shot waits for it.
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(artifacts, `${name}-390.png`), fullPage: false });
  expect(await overflow()).toBeLessThanOrEqual(0);
}

/**
 * The whole page: the viewport is stretched to the page's height for the shot, since a full-page
 * capture draws the fixed header where the viewport was, partway down the image.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
  await page.setViewportSize(viewport);
}

/** A GraphQL query to the indexer, through the app server as the browser sends it. */
export async function graphql<T>(
  appUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(new URL("/api/indexer/graphql", appUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!body.data) throw new Error(`GraphQL: ${body.errors?.map((e) => e.message).join("; ")}`);
  return body.data;
}
