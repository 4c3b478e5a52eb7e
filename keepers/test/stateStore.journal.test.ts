import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  rmdir,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type KeeperStateOptions, KeeperStateStore, StateMismatchError } from "../src/stateStore.js";
import { requestFields, stateIdentity } from "./support/stateFixture.js";

const identity = stateIdentity;
const request = requestFields;

/** Deterministic pseudo-random numbers, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

function snapshotOf(store: KeeperStateStore) {
  return { nextBlock: store.nextBlock, requests: store.all() };
}

describe("KeeperStateStore journal", () => {
  let dir: string;
  let warnings: string[];
  const open = (options: KeeperStateOptions = {}) =>
    KeeperStateStore.open(dir, identity, { onWarning: (m) => warnings.push(m), ...options });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-journal-"));
    warnings = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ["without compaction", 1 << 30],
    ["with compactions in between", 2_000],
  ])("replays to the in-memory state, %s", async (_, journalLimitBytes) => {
    const store = await open({ journalLimitBytes, retentionSeconds: 10n });
    const next = random(7);
    for (let step = 0; step < 400; step++) {
      const id = 1 + Math.floor(next() * 40);
      const roll = next();
      if (roll < 0.35) store.add(request(id));
      else if (roll < 0.65 && store.get(BigInt(id)) !== undefined)
        store.update(BigInt(id), (r) => {
          r.attempts++;
          r.phase = (["open", "signed", "reported", "finalized"] as const)[r.attempts % 4] ?? "open";
          r.lastError = `attempt ${r.attempts} ✓`;
        });
      else if (roll < 0.75) store.remove(BigInt(id));
      else if (roll < 0.8) store.prune(100_000n + BigInt(step));
      else store.setNextBlock(store.nextBlock + 1n);
      if (step % 3 === 0) {
        await store.save({ force: step % 9 === 0 });
        for (let i = 1n; i <= 40n; i++) expect(store.persisted(i)).toEqual(store.get(i));
      }
    }
    await store.save({ force: true });
    if (journalLimitBytes > 2_000) expect(store.compactions).toBe(1);
    else expect(store.compactions).toBeGreaterThan(3);
    const reopened = await open();
    expect(snapshotOf(reopened)).toEqual(snapshotOf(store));
    expect(warnings).toEqual([]);
  });

  it("compacts the journal into the snapshot once it outgrows its bound, and at open", async () => {
    const store = await open({ journalLimitBytes: 4_096 });
    store.add(request(1));
    await store.save();
    for (let i = 0; i < 200; i++) {
      store.update(1n, (r) => {
        r.attempts = i + 1;
      });
      await store.save();
      const size = await stat(join(dir, "state.journal")).then(
        (s) => s.size,
        () => 0,
      );
      expect(size).toBeLessThanOrEqual(4_096);
    }
    expect(store.compactions).toBeGreaterThan(5);
    expect(store.writes).toBe(202);
    await open();
    expect(await readdir(dir)).toEqual(["state.json"]);
    const parsed = JSON.parse(await readFile(join(dir, "state.json"), "utf8"));
    expect(parsed.requests["1"].attempts).toBe(200);
  });

  it("ignores a torn last line with a warning: the save it held never resolved", async () => {
    const store = await open();
    store.add(request(1));
    store.setNextBlock(9n);
    await store.save();
    const before = snapshotOf(store);
    store.add(request(2));
    store.setNextBlock(12n);
    await store.save();
    const journal = await readFile(join(dir, "state.journal"), "utf8");
    const lines = journal.split("\n");
    // Cut the last save's line short, as a crash in the middle of its write would.
    const torn = `${lines.slice(0, -2).join("\n")}\n${(lines.at(-2) as string).slice(0, 40)}`;
    await writeFile(join(dir, "state.journal"), torn);
    const reopened = await open();
    expect(snapshotOf(reopened)).toEqual(before);
    expect(warnings).toEqual([expect.stringMatching(/state\.journal line 3 is incomplete/)]);
    expect(await readdir(dir)).toEqual(["state.json"]);

    // A complete last line with the wrong bytes (blocks persisted out of order) is torn too.
    reopened.add(request(3));
    await reopened.save();
    await appendFile(join(dir, "state.journal"), `0000000000000000 {"next":"99"}\n`);
    const again = await open();
    expect(again.nextBlock).toBe(9n);
    expect(again.get(3n)).toBeDefined();
    expect(warnings).toHaveLength(2);
  });

  it("refuses a bad line before the last with an error naming the file and the line", async () => {
    const store = await open();
    for (const id of [1, 2, 3]) {
      store.add(request(id));
      await store.save();
    }
    const path = join(dir, "state.journal");
    const lines = (await readFile(path, "utf8")).split("\n");
    lines[2] = (lines[2] as string).replace('"requestId":"2"', '"requestId":"7"');
    await writeFile(path, lines.join("\n"));
    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateMismatchError);
    expect((error as Error).message).toContain(`${path} line 3`);
    expect((error as Error).message).toMatch(/checksum/);
  });

  it("refuses a checked line that is not a journal entry, even the last", async () => {
    const store = await open();
    store.add(request(1));
    await store.save();
    const json = JSON.stringify({ put: { "2": { requestId: "2" } } });
    const { createHash } = await import("node:crypto");
    const sum = createHash("sha256").update(json).digest("hex").slice(0, 16);
    await appendFile(join(dir, "state.journal"), `${sum} ${json}\n`);
    await expect(open()).rejects.toThrow(/state\.journal line 3: not a journal entry \(put\.2\.\w+/);
  });

  it("loses and duplicates nothing when killed between the snapshot and the journal's removal", async () => {
    const store = await open({ journalLimitBytes: 1 << 30 });
    for (let id = 1; id <= 5; id++) store.add(request(id));
    await store.save();
    store.update(2n, (r) => {
      r.phase = "signed";
    });
    store.remove(4n);
    store.setNextBlock(20n);
    await store.save();
    const stale = join(dir, "journal.copy");
    await copyFile(join(dir, "state.journal"), stale);

    // The next save compacts (it holds more than the snapshot) and changes what the journal holds.
    const compacting = await open({ journalLimitBytes: 1 });
    for (let id = 6; id <= 40; id++) compacting.add(request(id));
    compacting.update(2n, (r) => {
      r.phase = "reported";
    });
    compacting.remove(1n);
    compacting.add(request(4));
    compacting.setNextBlock(30n);
    await compacting.save();
    expect(compacting.compactions).toBe(2);
    const expected = snapshotOf(compacting);
    // The crash: the new snapshot is in place, the old journal was never removed.
    await copyFile(stale, join(dir, "state.journal"));
    await rm(stale);

    const reopened = await open();
    expect(snapshotOf(reopened)).toEqual(expected);
    expect(reopened.all().map((r) => r.requestId)).toEqual(
      Array.from({ length: 39 }, (_, i) => String(i + 2)),
    );
    expect(reopened.get(2n)?.phase).toBe("reported");
    expect(reopened.nextBlock).toBe(30n);
    expect(warnings).toEqual([expect.stringMatching(/earlier snapshot/)]);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("after a failed append, retries the change with a full snapshot", async () => {
    const store = await open();
    store.add(request(1));
    await mkdir(join(dir, "state.journal"));
    await expect(store.save()).rejects.toThrow();
    expect(store.persisted(1n)).toBeUndefined();
    await rmdir(join(dir, "state.journal"));
    await store.save();
    expect(store.compactions).toBe(2);
    expect(store.persisted(1n)?.requestId).toBe("1");
    expect((await open()).get(1n)?.requestId).toBe("1");
  });

  it("saves one changed record among 100k in milliseconds (measured)", async () => {
    const store = await open();
    for (let i = 1; i <= 100_000; i++) store.add(request(i));
    let started = performance.now();
    await store.save();
    const full = performance.now() - started;
    expect(store.compactions).toBe(2);

    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      store.update(BigInt(1 + i * 997), (r) => {
        r.phase = "signed";
      });
      started = performance.now();
      await store.save();
      times.push(performance.now() - started);
    }
    expect(store.compactions).toBe(2);
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1] as number;
    const snapshotBytes = (await stat(join(dir, "state.json"))).size;
    const journalBytes = (await stat(join(dir, "state.journal"))).size;
    console.log(
      `state save with 100k requests stored: full rewrite ${full.toFixed(0)} ms (${(snapshotBytes / 2 ** 20).toFixed(0)} MiB); ` +
        `1 record changed: median ${median.toFixed(2)} ms, max ${(times.at(-1) as number).toFixed(2)} ms (journal ${journalBytes} B after 20 saves)`,
    );
    expect(median).toBeLessThan(full / 10);

    started = performance.now();
    const reopened = await open();
    console.log(
      `open with 100k requests and a 20-line journal: ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(reopened.get(1n + 19n * 997n)?.phase).toBe("signed");
  }, 120_000);
});
