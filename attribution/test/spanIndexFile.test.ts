import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SpanIndexBuilder } from "../src/spanIndex.js";
import { loadSpanIndex, saveSpanIndex } from "../src/spanIndexFile.js";
import { seededCorpus } from "../src/testing.js";

describe("saveSpanIndex / loadSpanIndex", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "span-index-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function build() {
    const { docs } = seededCorpus(11, 200, 300);
    const builder = new SpanIndexBuilder();
    for (const d of docs) builder.add(d.id, d.words.join(" "));
    builder.add(2n ** 63n + 5n, "Grüße aus Köln, ünïcödé words survive the round trip");
    return { index: builder.build(), docs };
  }

  it("round-trips an index that answers exactly as the original", async () => {
    const { index, docs } = build();
    const path = join(dir, "model-7");
    await saveSpanIndex(index, path);
    const loaded = await loadSpanIndex(path);
    expect(loaded.contributionIds).toEqual(index.contributionIds);
    expect(loaded.suffixArray).toEqual(index.suffixArray);
    expect([...loaded.vocabulary]).toEqual([...index.vocabulary]);
    const query = [...(docs[3]?.words ?? []), "grüße", "aus", "köln", ...(docs[9]?.words ?? [])].join(" ");
    const options = { minSpanTokens: 3, maxSpanOccurrences: 64 };
    expect(loaded.maximalSpans(loaded.encode(query), options)).toEqual(
      index.maximalSpans(index.encode(query), options),
    );
    // Saving again replaces the folder as a whole.
    await saveSpanIndex(loaded, path);
    expect((await loadSpanIndex(path)).tokenCount).toBe(index.tokenCount);
  });

  it("refuses another attribution version and torn files", async () => {
    const path = join(dir, "index");
    await saveSpanIndex(build().index, path);
    const metaPath = join(path, "meta.json");
    const meta = JSON.parse(await readFile(metaPath, "utf8"));
    await writeFile(metaPath, JSON.stringify({ ...meta, attributionVersion: 999 }));
    await expect(loadSpanIndex(path)).rejects.toThrow(/attribution v999/);
    await writeFile(metaPath, JSON.stringify(meta));
    await truncate(join(path, "suffix-array.i32"), 8);
    await expect(loadSpanIndex(path)).rejects.toThrow(/suffix-array.i32 holds 8 bytes/);
  });
});
