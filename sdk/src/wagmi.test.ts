import { describe, expect, test } from "vitest";
import { readContract } from "wagmi/actions";
import { sharedChain } from "../test/chain.js";
import {
  createPayableWagmiConfig,
  datanetRegistryAbi,
  useReadDatanetRegistryHasAccess,
  useWriteInferenceMarketRequestInference,
} from "./wagmi.js";

const { chain, rpcUrl, contracts } = sharedChain();

describe("@payable-ai/sdk/wagmi", () => {
  test("exports generated hooks for the protocol contracts", () => {
    expect(typeof useReadDatanetRegistryHasAccess).toBe("function");
    expect(typeof useWriteInferenceMarketRequestInference).toBe("function");
  });

  test("the config reads the deployed contracts", async () => {
    const config = createPayableWagmiConfig({ chain, rpcUrl });
    expect(config.chains.map((c) => c.id)).toEqual([chain.id]);
    const open = await readContract(config, {
      address: contracts.DatanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "open",
    });
    expect(open).toBe(contracts.OpenToken);
  });
});
