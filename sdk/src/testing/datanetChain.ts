import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Abi,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hex,
  http,
  type PrivateKeyAccount,
  type PublicClient,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { iDatanetRegistryAbi, iKeeperRegistryAbi } from "../generated/abis.js";
import { type Anvil, anvilPrivateKeys, startAnvil } from "./anvil.js";
import { repositoryRoot } from "./foundry.js";

/** Deploys contracts from the forge artifacts in `out/` (built by `forge build`). */
async function artifact(name: string): Promise<{ abi: Abi; bytecode: Hex }> {
  const json = JSON.parse(await readFile(join(repositoryRoot, "out", `${name}.sol`, `${name}.json`), "utf8"));
  return { abi: json.abi, bytecode: json.bytecode.object };
}

type DatanetAccounts = "owner" | "contributor" | "reader" | "stranger" | "curator" | "keeper";

export type DatanetChain = {
  anvil: Anvil;
  publicClient: PublicClient<Transport, Chain>;
  registry: Address;
  keeperRegistry: Address;
  /** Funds `account` with the minimum stake and stakes it in the KeeperRegistry. */
  stakeKeeper(account: PrivateKeyAccount): Promise<void>;
  accounts: Record<DatanetAccounts, PrivateKeyAccount>;
  createDatanet(curators?: Address[]): Promise<bigint>;
  contribute(account: PrivateKeyAccount, datanetId: bigint, contentHash: Hex, uri: string): Promise<bigint>;
  requestAccess(account: PrivateKeyAccount, datanetId: bigint): Promise<TransactionReceipt>;
  approveAccess(datanetId: bigint, account: Address): Promise<TransactionReceipt>;
  revokeAccess(datanetId: bigint, account: Address): Promise<TransactionReceipt>;
  stop(): Promise<void>;
};

/**
 * anvil with a real OpenToken, DatanetRegistry and KeeperRegistry (minimum stake
 * 100 OPEN). Accounts: `owner` (deployer and datanet owner), `contributor`,
 * `reader`, `stranger`, `curator`, `keeper` (not staked until `stakeKeeper`).
 */
export async function startDatanetChain(): Promise<DatanetChain> {
  const anvil: Anvil = await startAnvil({ chainId: 31_3370 });
  try {
    const chain = defineChain({
      id: anvil.chainId,
      name: "anvil",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const publicClient: PublicClient<Transport, Chain> = createPublicClient({
      chain,
      transport: http(anvil.rpcUrl),
    });
    const [owner, contributor, reader, stranger, curator, keeper] = anvilPrivateKeys
      .slice(0, 6)
      .map((k) => privateKeyToAccount(k)) as [
      PrivateKeyAccount,
      PrivateKeyAccount,
      PrivateKeyAccount,
      PrivateKeyAccount,
      PrivateKeyAccount,
      PrivateKeyAccount,
    ];
    const wallet = (account: PrivateKeyAccount) =>
      createWalletClient({ account, chain, transport: http(anvil.rpcUrl) });
    const deploy = async (name: string, args: readonly unknown[]): Promise<Address> => {
      const { abi, bytecode } = await artifact(name);
      const hash = await wallet(owner).deployContract({ abi, bytecode, args });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (!receipt.contractAddress) throw new Error(`${name} was not deployed`);
      return getAddress(receipt.contractAddress);
    };
    const zero = "0x0000000000000000000000000000000000000000";
    const open = await deploy("OpenToken", [
      zero,
      zero,
      parseEther("1000000000"),
      owner.address,
      parseEther("1000"),
    ]);
    const registry = await deploy("DatanetRegistry", [open, owner.address, owner.address, 60n, 86_400n]);
    const minStake = parseEther("100");
    const keeperRegistry = await deploy("KeeperRegistry", [
      open,
      owner.address,
      owner.address,
      minStake,
      1n,
      3600n,
    ]);
    const openAbi = (await artifact("OpenToken")).abi;
    const mined = async (hash: Hex) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    };

    const send = async (account: PrivateKeyAccount, functionName: string, args: readonly unknown[]) => {
      const hash = await wallet(account).writeContract({
        address: registry,
        abi: iDatanetRegistryAbi,
        functionName: functionName as "requestAccess",
        args: args as [bigint],
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
      return receipt;
    };

    return {
      anvil,
      publicClient,
      registry,
      keeperRegistry,
      async stakeKeeper(account: PrivateKeyAccount): Promise<void> {
        await mined(
          await wallet(owner).writeContract({
            address: open,
            abi: openAbi,
            functionName: "transfer",
            args: [account.address, minStake],
          }),
        );
        await mined(
          await wallet(account).writeContract({
            address: open,
            abi: openAbi,
            functionName: "approve",
            args: [keeperRegistry, minStake],
          }),
        );
        await mined(
          await wallet(account).writeContract({
            address: keeperRegistry,
            abi: iKeeperRegistryAbi,
            functionName: "stake",
            args: [minStake],
          }),
        );
      },
      accounts: { owner, contributor, reader, stranger, curator, keeper },
      async createDatanet(curators: Address[] = []): Promise<bigint> {
        const receipt = await send(owner, "createDatanet", [
          { metadataURI: "ipfs://datanet", contributionBond: 0n, accessFee: 0n, reviewTimeout: 3600n },
          curators,
        ]);
        const [log] = parseEventLogs({
          abi: iDatanetRegistryAbi,
          logs: receipt.logs,
          eventName: "DatanetCreated",
        });
        return log?.args.datanetId as bigint;
      },
      async contribute(
        account: PrivateKeyAccount,
        datanetId: bigint,
        contentHash: Hex,
        uri: string,
      ): Promise<bigint> {
        const receipt = await send(account, "contribute", [datanetId, contentHash, uri]);
        const [log] = parseEventLogs({
          abi: iDatanetRegistryAbi,
          logs: receipt.logs,
          eventName: "ContributionSubmitted",
        });
        return log?.args.contributionId as bigint;
      },
      requestAccess: (account: PrivateKeyAccount, datanetId: bigint) =>
        send(account, "requestAccess", [datanetId]),
      approveAccess: (datanetId: bigint, account: Address) =>
        send(owner, "approveAccess", [datanetId, account]),
      revokeAccess: (datanetId: bigint, account: Address) =>
        send(owner, "revokeAccess", [datanetId, account]),
      stop: () => anvil.stop(),
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
