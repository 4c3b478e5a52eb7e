import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { endianness } from "node:os";
import { dirname, join } from "node:path";
import { AttributionError } from "./errors.js";
import { SpanIndex } from "./spanIndex.js";
import { ATTRIBUTION_VERSION } from "./version.js";

/** Layout version of a saved span index folder. */
export const SPAN_INDEX_FORMAT = 1;

type Meta = {
  format: number;
  attributionVersion: number;
  tokens: number;
  contributions: number;
  vocabulary: number;
};

const FILES = {
  tokens: "tokens.u32",
  suffixArray: "suffix-array.i32",
  docStarts: "doc-starts.i32",
  contributionIds: "contribution-ids.u64",
  vocabulary: "vocabulary.txt",
  meta: "meta.json",
} as const;

function assertLittleEndian(): void {
  if (endianness() !== "LE")
    throw new AttributionError("span index files are little-endian; this machine is not");
}

/**
 * Saves an index to folder `dir` (replaced as a whole: written beside it, then
 * renamed), so a keeper restarts without rebuilding the suffix array. Arrays are
 * raw little-endian; the vocabulary is one word per line in id order (words never
 * hold whitespace).
 */
export async function saveSpanIndex(index: SpanIndex, dir: string): Promise<void> {
  assertLittleEndian();
  const tmp = `${dir}.tmp-${randomBytes(6).toString("hex")}`;
  await mkdir(tmp, { recursive: true });
  try {
    const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    await writeFile(join(tmp, FILES.tokens), bytes(index.tokens));
    await writeFile(join(tmp, FILES.suffixArray), bytes(index.suffixArray));
    await writeFile(join(tmp, FILES.docStarts), bytes(index.docStarts));
    await writeFile(join(tmp, FILES.contributionIds), bytes(index.contributionIds));
    const words = new Array<string>(index.vocabulary.size);
    for (const [word, id] of index.vocabulary) words[id - 1] = word;
    await writeFile(join(tmp, FILES.vocabulary), words.map((w) => `${w}\n`).join(""));
    const meta: Meta = {
      format: SPAN_INDEX_FORMAT,
      attributionVersion: ATTRIBUTION_VERSION,
      tokens: index.tokens.length,
      contributions: index.contributionIds.length,
      vocabulary: index.vocabulary.size,
    };
    await writeFile(join(tmp, FILES.meta), `${JSON.stringify(meta)}\n`);
    await mkdir(dirname(dir), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Loads a folder written by {@link saveSpanIndex}; refuses other formats, other attribution versions and torn files. */
export async function loadSpanIndex(dir: string): Promise<SpanIndex> {
  assertLittleEndian();
  const meta = JSON.parse(await readFile(join(dir, FILES.meta), "utf8")) as Meta;
  if (meta.format !== SPAN_INDEX_FORMAT) {
    throw new AttributionError(`span index format ${meta.format} is not ${SPAN_INDEX_FORMAT}`);
  }
  if (meta.attributionVersion !== ATTRIBUTION_VERSION) {
    throw new AttributionError(
      `span index was built by attribution v${meta.attributionVersion}, this is v${ATTRIBUTION_VERSION}: rebuild it`,
    );
  }
  const read = async (file: string, elementSize: number, count: number) => {
    const buffer = await readFile(join(dir, file));
    if (buffer.byteLength !== elementSize * count) {
      throw new AttributionError(`${file} holds ${buffer.byteLength} bytes, expected ${elementSize * count}`);
    }
    // Copy into a fresh, aligned ArrayBuffer.
    const copy = new ArrayBuffer(buffer.byteLength);
    new Uint8Array(copy).set(buffer);
    return copy;
  };
  const tokens = new Uint32Array(await read(FILES.tokens, 4, meta.tokens));
  const suffixArray = new Int32Array(await read(FILES.suffixArray, 4, meta.tokens));
  const docStarts = new Int32Array(await read(FILES.docStarts, 4, meta.contributions + 1));
  const contributionIds = new BigUint64Array(await read(FILES.contributionIds, 8, meta.contributions));
  const words = (await readFile(join(dir, FILES.vocabulary), "utf8")).split("\n");
  if (words.pop() !== "" || words.length !== meta.vocabulary) {
    throw new AttributionError(`${FILES.vocabulary} does not hold ${meta.vocabulary} words`);
  }
  const vocabulary = new Map(words.map((w, i) => [w, i + 1] as const));
  return new SpanIndex(tokens, suffixArray, docStarts, contributionIds, vocabulary);
}
