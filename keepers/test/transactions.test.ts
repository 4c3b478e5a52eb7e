import { type Deployment, openTokenAbi } from "@payable-ai/sdk";
import { type Anvil, anvilPrivateKeys } from "@payable-ai/sdk/testing";
import { pino } from "pino";
import { createPublicClient, createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeeperMetrics } from "../src/metrics.js";
import {
  defaultGasPolicy,
  gasLimitFor,
  ranOutOfGas,
  sendContractTransaction,
  TransactionRevertedError,
} from "../src/transactions.js";
import { localChain, startProtocolChain, stopProtocolChain } from "./support/protocolChain.js";

const CHAIN_ID = 913_411;

describe("gas headroom", () => {
  it.each([
    { estimate: 100_000n, block: 30_000_000n, expected: 180_000n },
    { estimate: 1n, block: 30_000_000n, expected: 50_002n },
    { estimate: 29_000_000n, block: 30_000_000n, expected: 30_000_000n },
  ])("pads $estimate to $expected under a block limit of $block", ({ estimate, block, expected }) => {
    expect(gasLimitFor(estimate, defaultGasPolicy, block)).toBe(expected);
  });

  it.each([
    { status: "reverted", gasUsed: 100_000n, limit: 100_000n, expected: true },
    // An inner call out of gas leaves 1/64 to its caller, which then reverts with that.
    { status: "reverted", gasUsed: 98_500n, limit: 100_000n, expected: true },
    { status: "reverted", gasUsed: 60_000n, limit: 100_000n, expected: false },
    { status: "success", gasUsed: 100_000n, limit: 100_000n, expected: false },
  ] as const)(
    "status $status, $gasUsed of $limit: out of gas = $expected",
    ({ status, gasUsed, limit, expected }) => {
      expect(ranOutOfGas({ status, gasUsed }, limit)).toBe(expected);
    },
  );
});

describe("sendContractTransaction against anvil", () => {
  let anvil: Anvil;
  let deployment: Deployment;
  const chain = localChain(CHAIN_ID, "transactions");

  beforeAll(async () => {
    ({ anvil, deployment } = await startProtocolChain(CHAIN_ID));
  }, 120_000);

  afterAll(async () => {
    await stopProtocolChain(anvil, CHAIN_ID);
  });

  function setup() {
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const wallet = createWalletClient({
      chain,
      transport: http(anvil.rpcUrl),
      account: privateKeyToAccount(anvilPrivateKeys[0]),
    });
    const lines: { level: number; msg: string; outOfGas?: boolean; kind?: string }[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const metrics = new KeeperMetrics();
    return { publicClient, wallet, lines, logger, metrics };
  }

  // A transfer to a fresh account writes a new balance slot (22k gas): 70 % of its estimate runs out.
  const transfer = (to: `0x${string}`) => ({
    address: deployment.contracts.OpenToken,
    abi: openTokenAbi,
    functionName: "transfer" as const,
    args: [to, parseEther("1")] as const,
  });

  it("sends an out-of-gas transaction again with more gas, logging and counting the revert", async () => {
    const { publicClient, wallet, lines, logger, metrics } = setup();
    const sent: string[] = [];
    const { receipt } = await sendContractTransaction({
      publicClient,
      wallet,
      call: transfer("0x00000000000000000000000000000000000f0001"),
      policy: { multiplierPercent: 70n, margin: 0n, outOfGasRetries: 2 },
      receipt: (hash) => publicClient.waitForTransactionReceipt({ hash }),
      onSent: async (hash) => {
        sent.push(hash);
      },
      metrics,
      logger,
    });
    expect(receipt.status).toBe("success");
    expect(sent).toHaveLength(2);
    const first = await publicClient.getTransactionReceipt({ hash: sent[0] as `0x${string}` });
    expect(first.status).toBe("reverted");
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "transfer", outOfGas: true });
    expect(await metrics.registry.metrics()).toMatch(
      /keeper_transactions_reverted_total\{kind="transfer"\} 1/,
    );
  });

  it("gives up once its retries are spent, with an error that says out of gas", async () => {
    const { publicClient, wallet, metrics, logger } = setup();
    const attempt = sendContractTransaction({
      publicClient,
      wallet,
      call: transfer("0x00000000000000000000000000000000000f0002"),
      policy: { multiplierPercent: 70n, margin: 0n, outOfGasRetries: 0 },
      receipt: (hash) => publicClient.waitForTransactionReceipt({ hash }),
      metrics,
      logger,
    });
    await expect(attempt).rejects.toThrow(TransactionRevertedError);
    await expect(attempt).rejects.toThrow(/out of gas/);
  });

  it("sends with headroom by default: one transaction, no revert", async () => {
    const { publicClient, wallet, metrics, logger } = setup();
    const { hash } = await sendContractTransaction({
      publicClient,
      wallet,
      call: transfer("0x00000000000000000000000000000000000f0003"),
      receipt: (h) => publicClient.waitForTransactionReceipt({ hash: h }),
      metrics,
      logger,
    });
    const tx = await publicClient.getTransaction({ hash });
    const estimate = await publicClient.estimateContractGas({
      ...transfer("0x00000000000000000000000000000000000f0004"),
      account: wallet.account,
    });
    expect(tx.gas).toBeGreaterThanOrEqual((estimate * 13n) / 10n);
    expect(await metrics.registry.metrics()).not.toMatch(/keeper_transactions_reverted_total\{/);
  });
});
