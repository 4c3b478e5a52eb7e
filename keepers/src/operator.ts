import {
  claimRewards,
  getRewards,
  keeperRegistryAbi,
  requestKeeperUnbond,
  stakeKeeper,
  withdrawKeeperStake,
} from "@payable-ai/sdk";
import { readDeployment } from "@payable-ai/sdk/node";

import {
  createPublicClient,
  createWalletClient,
  defineChain,
  formatEther,
  type Hex,
  http,
  parseEther,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { KeeperCommand } from "./options.js";

export type OperatorParameters = { rpcUrl: string; privateKey: Hex; deploymentsDir?: string };

/**
 * The operator's commands on the keeper's key (`keeper stake|top-up|unbond|withdraw|status|claim`),
 * through the SDK's actions. Returns what to print: plain JSON, amounts in OPEN.
 */
export async function runOperatorCommand(
  command: Exclude<KeeperCommand, "run">,
  args: readonly string[],
  parameters: OperatorParameters,
): Promise<Record<string, unknown>> {
  const transport = http(parameters.rpcUrl);
  const chainId = await createPublicClient({ transport }).getChainId();
  const { contracts } = await readDeployment({ chainId, dir: parameters.deploymentsDir });
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [parameters.rpcUrl] } },
  });
  const account = privateKeyToAccount(parameters.privateKey);
  const publicClient = createPublicClient({ chain, transport });
  const wallet = createWalletClient({ chain, transport, account });
  const status = async () => {
    const [[stake, unbondingEndsAt], active, minStake, rewards] = await Promise.all([
      publicClient.readContract({
        address: contracts.KeeperRegistry,
        abi: keeperRegistryAbi,
        functionName: "keeperInfo",
        args: [account.address],
      }),
      publicClient.readContract({
        address: contracts.KeeperRegistry,
        abi: keeperRegistryAbi,
        functionName: "isActive",
        args: [account.address],
      }),
      publicClient.readContract({
        address: contracts.KeeperRegistry,
        abi: keeperRegistryAbi,
        functionName: "minStake",
      }),
      getRewards(publicClient, { contracts, account: account.address }),
    ]);
    return {
      keeper: account.address,
      chainId,
      stake: formatEther(stake),
      minStake: formatEther(minStake),
      active,
      unbonding: unbondingEndsAt !== 0n,
      unbondingEndsAt: unbondingEndsAt === 0n ? null : new Date(Number(unbondingEndsAt) * 1000).toISOString(),
      rewards: {
        claimable: formatEther(rewards.claimable),
        credited: formatEther(rewards.credited),
        claimed: formatEther(rewards.claimed),
      },
    };
  };
  switch (command) {
    case "status":
      return status();
    case "stake":
    case "top-up": {
      const amount = parseEther(args[0] as string);
      const current = await status();
      if (command === "top-up" && current.stake === "0") {
        throw new Error(`${account.address} has no stake to top up: use \`keeper stake <amount>\``);
      }
      const { hash, totalStake } = await stakeKeeper(wallet, { contracts, amount });
      return { hash, totalStake: formatEther(totalStake), ...(await status()) };
    }
    case "unbond": {
      const { hash } = await requestKeeperUnbond(wallet, { contracts });
      return { hash, ...(await status()) };
    }
    case "withdraw": {
      const { hash } = await withdrawKeeperStake(wallet, { contracts });
      return { hash, ...(await status()) };
    }
    case "claim": {
      const { hash, amount } = await claimRewards(wallet, { contracts });
      return { hash, claimed: formatEther(amount), ...(await status()) };
    }
  }
}
