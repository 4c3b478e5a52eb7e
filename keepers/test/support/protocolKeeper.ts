import { type Deployment, keeperRegistryAbi, openTokenAbi, stakeKeeper } from "@payable-ai/sdk";
import { anvilPrivateKeys } from "@payable-ai/sdk/testing";
import { pino } from "pino";
import { type Chain, createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type KeeperConfig, type RunningKeeper, runKeeper } from "../../src/run.js";

/** Gives each key the minimum stake in OPEN from anvil's first account and stakes it. */
export async function stakeMinimum(
  rpcUrl: string,
  chain: Chain,
  deployment: Deployment,
  keys: readonly Hex[],
) {
  const { contracts } = deployment;
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
  const wallet = (key: Hex) =>
    createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(key) });
  const minStake = await publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "minStake",
  });
  for (const key of keys) {
    const hash = await wallet(anvilPrivateKeys[0]).writeContract({
      address: contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "transfer",
      args: [privateKeyToAccount(key).address, minStake],
    });
    await publicClient.waitForTransactionReceipt({ hash });
    await stakeKeeper(wallet(key), { contracts, amount: minStake });
  }
}

/**
 * A keeper whose inference node and gateway are unreachable (nothing listens on port 9): it
 * watches the chain and answers its HTTP endpoints, but can never produce an answer.
 */
export function runOfflineKeeper(
  params: {
    rpcUrl: string;
    privateKey: Hex;
    stateDir: string;
    pollIntervalMs: number;
  } & Partial<KeeperConfig>,
): Promise<RunningKeeper> {
  return runKeeper({
    inferenceUrl: "http://127.0.0.1:9",
    gatewayUrl: "http://127.0.0.1:9",
    peers: [],
    port: 0,
    confirmations: 0,
    logger: pino({ level: "silent" }),
    ...params,
  });
}
