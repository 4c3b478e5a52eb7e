import { iDatanetRegistryAbi } from "@payable-ai/sdk/abis";
import { type DatanetChain, startDatanetChain } from "@payable-ai/sdk/testing";
import { createTestClient, createWalletClient, http, type PrivateKeyAccount, sha256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcceptedContributionSet, AcceptedSetError, scanAcceptedContributions } from "../src/acceptedSet.js";

describe("AcceptedContributionSet against the DatanetRegistry on anvil", () => {
  let chain: DatanetChain;
  let a: bigint;
  let b: bigint;
  /** Blocks after each step of the history, where the set is compared with a full scan. */
  const blocks: bigint[] = [];

  async function send(account: PrivateKeyAccount, functionName: string, args: readonly unknown[]) {
    const wallet = createWalletClient({
      account,
      chain: chain.publicClient.chain,
      transport: http(chain.anvil.rpcUrl),
    });
    const hash = await wallet.writeContract({
      address: chain.registry,
      abi: iDatanetRegistryAbi,
      functionName: functionName as "acceptContribution",
      args: args as [bigint],
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    blocks.push(receipt.blockNumber);
  }
  const contribute = async (datanetId: bigint, text: string) => {
    const id = await chain.contribute(
      chain.accounts.contributor,
      datanetId,
      sha256(toHex(text)),
      `blob:${text}`,
    );
    blocks.push(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
    return id;
  };
  const accept = (id: bigint) => send(chain.accounts.owner, "acceptContribution", [id]);

  beforeAll(async () => {
    chain = await startDatanetChain();
    a = await chain.createDatanet();
    b = await chain.createDatanet();
    blocks.push(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
    const ids: bigint[] = [];
    for (let i = 0; i < 8; i++) ids.push(await contribute(i % 3 === 2 ? b : a, `contribution ${i}`));
    // Accepted out of id order, one rejected, one withdrawn after the review timeout, a payee moved.
    await accept(ids[3] as bigint);
    await accept(ids[0] as bigint);
    await send(chain.accounts.owner, "rejectContribution", [ids[1]]);
    await accept(ids[2] as bigint);
    await send(chain.accounts.contributor, "setPayee", [ids[0], chain.accounts.reader.address]);
    const test = createTestClient({ mode: "anvil", transport: http(chain.anvil.rpcUrl) });
    await test.increaseTime({ seconds: 3601 });
    await test.mine({ blocks: 1 });
    await send(chain.accounts.contributor, "withdrawContribution", [ids[4]]);
    await accept(ids[7] as bigint);
    await accept(ids[6] as bigint);
    await contribute(a, "contribution 8");
    await accept(ids[5] as bigint);
    blocks.push(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
  }, 60_000);

  afterAll(() => chain?.stop());

  const scan = (datanets: bigint[], block: bigint) =>
    scanAcceptedContributions(chain.publicClient, chain.registry, datanets, block);

  it("equals a full scan at every block of the history, for each choice of datanets", async () => {
    const set = new AcceptedContributionSet(chain.publicClient, chain.registry);
    for (const block of blocks) {
      for (const datanets of [[a], [b], [a, b], [b, a, a]]) {
        const snapshot = await set.at(datanets, block);
        const expected = await scan(datanets, block);
        expect(snapshot.contributions()).toEqual(expected);
        expect(snapshot.count).toBe(expected.length);
      }
    }
    expect((await set.at([a, b], blocks.at(-1) as bigint)).count).toBe(6);
  });

  it("gives the same answers replayed in one range, block by block, or queried backwards", async () => {
    const latest = blocks.at(-1) as bigint;
    const whole = new AcceptedContributionSet(chain.publicClient, chain.registry);
    const stepwise = new AcceptedContributionSet(chain.publicClient, chain.registry, { maxLogRange: 1n });
    await whole.sync();
    expect(whole.head).toBeGreaterThanOrEqual(latest);
    for (const block of [...blocks].reverse()) {
      const one = await whole.at([a, b], block);
      const other = await stepwise.at([a, b], block);
      expect(other.key).toBe(one.key);
      expect(other.contributions()).toEqual(one.contributions());
      expect(one.contributions()).toEqual(await scan([a, b], block));
    }
  });

  it("keys a snapshot by its last acceptance: unchanged across blocks without one, new after one", async () => {
    const set = new AcceptedContributionSet(chain.publicClient, chain.registry);
    const snapshots = await Promise.all(blocks.map((block) => set.at([a], block)));
    for (let i = 1; i < blocks.length; i++) {
      const same = (snapshots[i - 1]?.count ?? 0) === snapshots[i]?.count;
      expect(snapshots[i]?.key === snapshots[i - 1]?.key).toBe(same);
      if (same) expect(snapshots[i]?.contributions()).toEqual(snapshots[i - 1]?.contributions());
    }
    expect(snapshots[0]?.key).toMatch(/@none$/);
    // The same key shares one list.
    const last = blocks.at(-1) as bigint;
    expect((await set.at([a], last)).contributions()).toBe((await set.at([a], last)).contributions());
  });

  it("refuses a set that missed events: the submissions do not match contributionCount", async () => {
    const partial = new AcceptedContributionSet(chain.publicClient, chain.registry, {
      fromBlock: (blocks[3] as bigint) + 1n,
    });
    await expect(partial.at([a], blocks.at(-1) as bigint)).rejects.toThrow(AcceptedSetError);
  });

  it("refuses a block past the chain's head", async () => {
    const set = new AcceptedContributionSet(chain.publicClient, chain.registry);
    await expect(set.at([a], (blocks.at(-1) as bigint) + 1000n)).rejects.toThrow(/past the chain's head/);
  });
});
