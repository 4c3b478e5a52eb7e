import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeeperStateStore, StateMismatchError } from "../../src/node/stateStore.js";

const identity = {
  chainId: 31337,
  market: "0x00000000000000000000000000000000000000aa" as Address,
  keeper: "0x00000000000000000000000000000000000000bb" as Address,
  startBlock: 5n,
};

function request(id: number) {
  return {
    requestId: String(id),
    modelId: "1",
    requester: "0x00000000000000000000000000000000000000cc" as Address,
    inputHash: `0x${"11".repeat(32)}` as Hex,
    inputURI: "blob:x",
    fee: "2000",
    deadline: "99999",
    blockNumber: "7",
    blockHash: `0x${"22".repeat(32)}` as Hex,
    requestedAt: "1000",
  };
}

describe("KeeperStateStore", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-state-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("starts at the deployment's block and survives a restart with every change", async () => {
    const store = await KeeperStateStore.open(dir, identity);
    expect(store.nextBlock).toBe(5n);
    expect(store.add(request(2))).toBe(true);
    expect(store.add(request(2))).toBe(false);
    store.add(request(10));
    store.update(2n, (r) => {
      r.phase = "signed";
      r.signed = {
        digest: `0x${"33".repeat(32)}`,
        report: {} as never,
        signatures: { [identity.keeper]: "0x01" },
      };
    });
    store.setNextBlock(42n);
    await store.save();

    const reopened = await KeeperStateStore.open(dir, identity);
    expect(reopened.nextBlock).toBe(42n);
    expect(reopened.all().map((r) => r.requestId)).toEqual(["2", "10"]);
    expect(reopened.get(2n)?.phase).toBe("signed");
    expect(reopened.get(2n)?.signed?.digest).toBe(`0x${"33".repeat(32)}`);
    expect(reopened.get(10n)).toMatchObject({ phase: "open", attempts: 0, seen: [], challenged: [] });
  });

  it("never leaves a partial file: concurrent saves are serialized and leave no temporary files", async () => {
    const store = await KeeperStateStore.open(dir, identity);
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 50; i++) {
      store.add(request(i));
      saves.push(store.save());
    }
    await Promise.all(saves);
    expect(await readdir(dir)).toEqual(["state.json"]);
    const parsed = JSON.parse(await readFile(join(dir, "state.json"), "utf8"));
    expect(Object.keys(parsed.requests)).toHaveLength(50);
  });

  it("shows only what is on disk through persisted()", async () => {
    const store = await KeeperStateStore.open(dir, identity);
    store.add(request(4));
    expect(store.get(4n)).toBeDefined();
    expect(store.persisted(4n)).toBeUndefined();
    await store.save();
    store.update(4n, (r) => {
      r.phase = "signed";
    });
    expect(store.persisted(4n)?.phase).toBe("open");
    await store.save();
    expect(store.persisted(4n)?.phase).toBe("signed");
    const reopened = await KeeperStateStore.open(dir, identity);
    expect(reopened.persisted(4n)?.phase).toBe("signed");
  });

  it("refuses a state file of another keeper, market or chain", async () => {
    await KeeperStateStore.open(dir, identity);
    await expect(
      KeeperStateStore.open(dir, { ...identity, keeper: "0x00000000000000000000000000000000000000dd" }),
    ).rejects.toThrow(StateMismatchError);
    await expect(KeeperStateStore.open(dir, { ...identity, chainId: 1 })).rejects.toThrow(/chain 31337/);
    await expect(
      KeeperStateStore.open(dir, { ...identity, market: "0x00000000000000000000000000000000000000ee" }),
    ).rejects.toThrow(StateMismatchError);
  });

  it("refuses a corrupt state file instead of starting over", async () => {
    await writeFile(join(dir, "state.json"), "{ not json");
    await expect(KeeperStateStore.open(dir, identity)).rejects.toThrow(/cannot read keeper state/);
  });

  it("updating an unknown request is an error", async () => {
    const store = await KeeperStateStore.open(dir, identity);
    expect(() => store.update(3n, () => {})).toThrow(/request 3/);
  });
});
