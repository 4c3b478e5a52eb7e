import { contentHash, createDatanet, type Deployment, defineRpcChain, registerModel } from "@payable-ai/sdk";
import { type Anvil, deployProtocol, removeDeployment, startAnvil } from "@payable-ai/sdk/testing";
import { type Chain, parseEther } from "viem";

/**
 * A viem chain for a test's anvil. Clients are given the RPC URL in their transport, so the
 * chain can exist before anvil has started.
 */
export function localChain(id: number, name: string): Chain {
  return defineRpcChain({ id, name, rpcUrl: "http://127.0.0.1" });
}

/** anvil with the protocol deployed as for a local network; anvil is stopped if the deployment fails. */
export async function startProtocolChain(chainId: number): Promise<{ anvil: Anvil; deployment: Deployment }> {
  const anvil = await startAnvil({ chainId });
  try {
    const deployment = await deployProtocol({
      rpcUrl: anvil.rpcUrl,
      chainId,
      env: { LOCAL_NETWORK: "true" },
    });
    return { anvil, deployment };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** Stops what `startProtocolChain` started and forgets its deployment file. */
export async function stopProtocolChain(anvil: Anvil | undefined, chainId: number): Promise<void> {
  await anvil?.stop();
  await removeDeployment(chainId);
}

/** A free datanet and a model trained on it at 1 ETH a request, both owned by `owner`. */
export async function registerTestModel(
  owner: Parameters<typeof createDatanet>[0],
  contracts: Deployment["contracts"],
): Promise<{ datanetId: bigint; modelId: bigint }> {
  const { datanetId } = await createDatanet(owner, {
    contracts,
    metadataURI: "data:,",
    contributionBond: 0n,
    accessFee: 0n,
    reviewTimeout: 86_400n,
    curators: [],
  });
  const { modelId } = await registerModel(owner, {
    contracts,
    baseModelId: "llama-small",
    adapterHash: contentHash("adapter"),
    adapterURI: "blob:adapter",
    manifestRoot: contentHash("manifest"),
    datanetIds: [datanetId],
    pricePerRequest: parseEther("1"),
    metadataURI: "data:,",
  });
  return { datanetId, modelId };
}
