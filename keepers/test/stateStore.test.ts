import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeeperStateStore, StateMismatchError } from "../src/stateStore.js";
import { requestFields, stateIdentity } from "./support/stateFixture.js";

const identity = stateIdentity;
const request = requestFields;

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
    expect((await readdir(dir)).sort()).toEqual(["state.journal", "state.json"]);
    await KeeperStateStore.open(dir, identity);
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

  it.each([
    ["null", /\(root\)/],
    ["{}", /version/],
    [
      JSON.stringify({
        version: 1,
        chainId: 31337,
        market: identity.market,
        keeper: identity.keeper,
        nextBlock: "5",
      }),
      /requests/,
    ],
    [
      JSON.stringify({
        version: 1,
        chainId: 31337,
        market: identity.market,
        keeper: identity.keeper,
        nextBlock: "5",
        requests: { "1": { requestId: "1" } },
      }),
      /requests\.1\.\w+/,
    ],
  ])("refuses %s with an error naming the file and the field", async (text, field) => {
    await writeFile(join(dir, "state.json"), text);
    const error = await KeeperStateStore.open(dir, identity).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateMismatchError);
    expect((error as Error).message).toContain(join(dir, "state.json"));
    expect((error as Error).message).toMatch(field);
  });

  it("writes nothing while nothing changed; a moving nextBlock alone is written at most every idleFlushMs", async () => {
    const store = await KeeperStateStore.open(dir, identity, { idleFlushMs: 60_000 });
    store.add(request(1));
    await store.save();
    const writes = store.writes;
    for (let block = 6n; block < 50n; block++) {
      store.setNextBlock(block);
      store.update(1n, (r) => {
        r.phase = "open";
      });
      await store.save();
    }
    expect(store.writes).toBe(writes);
    await store.save({ force: true });
    expect(store.writes).toBe(writes + 1);
    expect((await KeeperStateStore.open(dir, identity)).nextBlock).toBe(49n);
  });

  it("prunes settled requests past their retention, never open or reported ones", async () => {
    const store = await KeeperStateStore.open(dir, identity, { retentionSeconds: 100n });
    for (const [id, phase, challengeEndsAt] of [
      [1, "finalized", "1000"],
      [2, "finalized", "1950"],
      [3, "refunded", undefined],
      [4, "reported", "500"],
      [5, "expired", undefined],
    ] as const) {
      store.add(request(id));
      store.update(BigInt(id), (r) => {
        r.phase = phase;
        r.challengeEndsAt = challengeEndsAt;
      });
    }
    // Request 3 has no window: its deadline (99999) counts.
    expect(store.prune(2_000n)).toBe(1);
    expect(store.all().map((r) => r.requestId)).toEqual(["2", "3", "4", "5"]);
    expect(store.prune(2_000n)).toBe(0);
    await store.save();
    expect((await KeeperStateStore.open(dir, identity)).get(1n)).toBeUndefined();
  });

  it("removes temporary files a killed process left behind", async () => {
    await KeeperStateStore.open(dir, identity);
    // pid 2^22 + 1 is above Linux's pid_max: no live process has it.
    await writeFile(join(dir, ".state.4194305.1700000000000.tmp"), "");
    await KeeperStateStore.open(dir, identity);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("saves 100k requests in bounded time (measured)", async () => {
    const store = await KeeperStateStore.open(dir, identity);
    for (let i = 1; i <= 100_000; i++) store.add(request(i));
    const started = performance.now();
    await store.save();
    const ms = performance.now() - started;
    console.log(`state save with 100k requests: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(20_000);
  }, 60_000);

  it("updating an unknown request is an error", async () => {
    const store = await KeeperStateStore.open(dir, identity);
    expect(() => store.update(3n, () => {})).toThrow(/request 3/);
  });
});
