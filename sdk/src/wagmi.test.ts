import { parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { mock } from "wagmi";
import { connect, disconnect, readContract } from "wagmi/actions";
import { sharedChain } from "../test/chain.js";
import { datanetWithContributions, roles } from "../test/fixtures.js";
import { contribute } from "./actions/datanets/contribute.js";
import { contentHash } from "./utils/contentHash.js";
import * as wagmiExports from "./wagmi.js";
import {
  createPayableWagmiConfig,
  datanetRegistryAbi,
  getProtocolContracts,
  ProtocolNotDeployedError,
  runFlow,
  useContribute,
  useReadDatanetRegistryHasAccess,
  useRequestInference,
  useWriteInferenceMarketRequestInference,
} from "./wagmi.js";

const shared = sharedChain();
const { chain, rpcUrl, contracts } = shared;

describe("@payable-ai/sdk/wagmi", () => {
  test("exports generated hooks for the deployed contracts only, and the flow hooks", () => {
    expect(typeof useReadDatanetRegistryHasAccess).toBe("function");
    expect(typeof useWriteInferenceMarketRequestInference).toBe("function");
    expect(typeof useContribute).toBe("function");
    expect(typeof useRequestInference).toBe("function");
    // An interface's hooks would repeat its implementation's (useReadIDatanetRegistry...).
    expect(
      Object.keys(wagmiExports).filter((name) => /^use(Read|Write|Simulate|Watch)I[A-Z]/.test(name)),
    ).toEqual([]);
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

  test("addresses are bound per chain, and a chain without them is named", () => {
    const config = createPayableWagmiConfig({ deployments: [{ chain, rpcUrl, contracts }] });
    expect(getProtocolContracts(config, chain.id)).toBe(contracts);
    expect(() => getProtocolContracts(config, 1)).toThrow(ProtocolNotDeployedError);
    expect(() => getProtocolContracts(config, 1)).toThrow(
      new RegExp(`no addresses on chain 1[\\s\\S]*known for chain ${chain.id}`),
    );
    const unbound = createPayableWagmiConfig({ chain, rpcUrl });
    expect(() => getProtocolContracts(unbound, chain.id)).toThrow(/Pass `contracts`/);
  });

  test("runFlow contributes with the connected wallet: bond approved, contribution submitted", async () => {
    const { datanetId } = await datanetWithContributions(shared, []);
    const contributor = shared.wallet(roles.contributor).account.address;
    // The mock connector sends transactions through anvil's own unlocked accounts.
    const config = createPayableWagmiConfig({
      chain,
      rpcUrl,
      contracts,
      connectors: [mock({ accounts: [contributor] })],
    });
    await connect(config, { connector: config.connectors[0] } as never);
    try {
      const { contributionId, bond } = await runFlow(config, contribute, {
        datanetId,
        contentHash: contentHash("contributed through wagmi"),
        uri: "blob:wagmi",
      });
      expect(bond).toBeGreaterThan(0n);
      const contribution = await readContract(config, {
        address: contracts.DatanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "getContribution",
        args: [contributionId],
      });
      expect(contribution.contributor).toBe(contributor);
      expect(contribution.contentHash).toBe(contentHash("contributed through wagmi"));
      // The same decoded errors as the action itself: a second copy of the same content.
      const duplicate = await runFlow(config, contribute, {
        datanetId,
        contentHash: contentHash("contributed through wagmi"),
        uri: "blob:again",
        maxBond: parseEther("1000"),
      }).catch((e: unknown) => e);
      expect((duplicate as { errorName?: string }).errorName).toBe("DatanetDuplicateContent");
    } finally {
      await disconnect(config);
    }
  });

  test("runFlow without a connected wallet fails before sending anything", async () => {
    const config = createPayableWagmiConfig({
      chain,
      rpcUrl,
      contracts,
      connectors: [mock({ accounts: [contracts.OpenToken] })],
    });
    await expect(
      runFlow(config, contribute, { datanetId: 1n, contentHash: contentHash("x"), uri: "blob:x" }),
    ).rejects.toThrow(/Connector not connected/);
  });
});
