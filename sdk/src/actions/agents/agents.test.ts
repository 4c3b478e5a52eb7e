import { parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import { modelOnDatanet, roles } from "../../../test/fixtures.js";
import { agentRegistryAbi } from "../../generated/abis.js";
import { registerAgent } from "./registerAgent.js";
import { requestAgentUnbond } from "./requestAgentUnbond.js";
import { topUpAgent } from "./topUpAgent.js";
import { updateAgentModels } from "./updateAgentModels.js";
import { withdrawAgentStake } from "./withdrawAgentStake.js";

const chain = sharedChain();
const { contracts, publicClient, testClient, wallet } = chain;
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  publicClient.readContract({
    address: contracts.AgentRegistry,
    abi: agentRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;

describe("agent actions", () => {
  test("register with a stake, top up, change models, unbond and withdraw", async () => {
    const a = await modelOnDatanet(chain, ["agent data"]);
    const b = await modelOnDatanet(chain, ["more agent data"]);
    const owner = wallet(roles.user);
    const minStake = await read<bigint>("minStake");
    await chain.fund(owner.account.address, minStake + parseEther("10"));

    const { agentId } = await registerAgent(owner, {
      contracts,
      modelIds: [a.modelId],
      metadataURI: "ipfs://agent",
      stake: minStake,
    });
    await topUpAgent(owner, { contracts, agentId, amount: parseEther("10") });
    await updateAgentModels(owner, { contracts, agentId, modelIds: [a.modelId, b.modelId] });
    const agent = await read<{ stake: bigint; modelIds: readonly bigint[]; owner: string }>("getAgent", [
      agentId,
    ]);
    expect(agent.stake).toBe(minStake + parseEther("10"));
    expect(agent.modelIds).toEqual([a.modelId, b.modelId]);
    await expect(
      updateAgentModels(owner, { contracts, agentId, modelIds: [b.modelId, a.modelId] }),
    ).rejects.toThrow(/AgentModelsNotAscending/);
    await expect(topUpAgent(owner, { contracts, agentId, amount: 0n })).rejects.toThrow(/AgentZeroAmount/);
    await expect(
      updateAgentModels(wallet(roles.owner), { contracts, agentId, modelIds: [a.modelId] }),
    ).rejects.toThrow(/AgentNotOwner/);

    await requestAgentUnbond(owner, { contracts, agentId });
    await expect(withdrawAgentStake(owner, { contracts, agentId })).rejects.toThrow(
      /AgentUnbondingNotElapsed/,
    );
    await testClient.increaseTime({ seconds: Number(await read<bigint>("unbondingDelay")) + 1 });
    await testClient.mine({ blocks: 1 });
    await withdrawAgentStake(owner, { contracts, agentId });
    expect((await read<{ stake: bigint }>("getAgent", [agentId])).stake).toBe(0n);
  });
});
