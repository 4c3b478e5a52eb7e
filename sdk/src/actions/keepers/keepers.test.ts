import { parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import { keeperRegistryAbi, openTokenAbi } from "../../generated/abis.js";
import { requestKeeperUnbond } from "./requestKeeperUnbond.js";
import { stakeKeeper } from "./stakeKeeper.js";
import { withdrawKeeperStake } from "./withdrawKeeperStake.js";

const { contracts, publicClient, testClient, wallet, fund } = sharedChain();
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;

describe("keeper actions", () => {
  test("stake to join, top up, unbond, withdraw after the delay", async () => {
    const keeper = wallet(7);
    const minStake = await read<bigint>("minStake");
    await fund(keeper.account.address, minStake * 2n);

    await expect(stakeKeeper(keeper, { contracts, amount: minStake - 1n })).rejects.toThrow(
      /KeeperStakeBelowMinimum/,
    );
    const { totalStake } = await stakeKeeper(keeper, { contracts, amount: minStake });
    expect(totalStake).toBe(minStake);
    expect(await read<boolean>("isActive", [keeper.account.address])).toBe(true);
    expect((await stakeKeeper(keeper, { contracts, amount: parseEther("1") })).totalStake).toBe(
      minStake + parseEther("1"),
    );

    await requestKeeperUnbond(keeper, { contracts });
    expect(await read<boolean>("isActive", [keeper.account.address])).toBe(false);
    await expect(withdrawKeeperStake(keeper, { contracts })).rejects.toThrow(/KeeperUnbondingNotElapsed/);
    await testClient.increaseTime({ seconds: Number(await read<bigint>("unbondingDelay")) + 1 });
    await testClient.mine({ blocks: 1 });
    await withdrawKeeperStake(keeper, { contracts });
    const balance = await publicClient.readContract({
      address: contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "balanceOf",
      args: [keeper.account.address],
    });
    expect(balance).toBe(minStake * 2n);
  });
});
