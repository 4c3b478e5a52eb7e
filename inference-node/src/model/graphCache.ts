import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeModel, type ModelProto, onnx } from "./onnxGraph.js";

export const GRAPH_FILE = "model.onnx";
export const GRAPH_DATA_FILE = "model.onnx.data";

/** Initializers smaller than this stay inside the graph file. */
const EXTERNAL_MIN_BYTES = 1024;
/** Tensor data offsets are aligned so the runtime can map them directly. */
const ALIGNMENT = 64;

/**
 * sha256 over the files a graph is built from and the choices that shape it: the cache key.
 * Files are read as streams, so a multi-gigabyte checkpoint is hashed without holding it.
 */
export async function graphKey(directory: string, files: string[], choices: object): Promise<string> {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(choices));
  for (const file of [...files].sort()) {
    const fileHash = createHash("sha256");
    for await (const chunk of createReadStream(join(directory, file))) fileHash.update(chunk as Buffer);
    hash.update(`\n${file}:${fileHash.digest("hex")}`);
  }
  return hash.digest("hex");
}

/**
 * Moves the bytes of every large initializer into one data file beside the graph (ONNX external
 * data: `location`, `offset`, `length`), so the graph file stays small and the 2 GiB protobuf
 * bound applies to the graph's structure only. Mutates `model`; returns the data in file order.
 */
export function externalizeInitializers(model: ModelProto): { chunks: Uint8Array[]; offsets: number[] } {
  const chunks: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const tensor of model.graph?.initializer ?? []) {
    const raw = tensor.rawData;
    if (!raw || raw.byteLength < EXTERNAL_MIN_BYTES) continue;
    offset = Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
    chunks.push(raw);
    offsets.push(offset);
    tensor.rawData = new Uint8Array(0);
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.externalData = [
      { key: "location", value: GRAPH_DATA_FILE },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(raw.byteLength) },
    ];
    offset += raw.byteLength;
  }
  return { chunks, offsets };
}

/** The cached graph's path when `directory` holds a complete one. */
export async function cachedGraph(directory: string): Promise<string | null> {
  const path = join(directory, GRAPH_FILE);
  const present = await Promise.all([stat(path), stat(join(directory, GRAPH_DATA_FILE))]).then(
    () => true,
    () => false,
  );
  return present ? path : null;
}

/**
 * Writes a graph and its external data into `directory` through a temporary sibling renamed into
 * place, so a reader never sees half a cache entry.
 */
export async function writeGraphWithExternalData(
  directory: string,
  model: ModelProto,
  data: { chunks: Uint8Array[]; offsets: number[] },
): Promise<string> {
  const staging = `${directory}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    const handle = await open(join(staging, GRAPH_DATA_FILE), "w");
    try {
      for (let i = 0; i < data.chunks.length; i++) {
        const chunk = data.chunks[i] as Uint8Array;
        await handle.write(chunk, 0, chunk.byteLength, data.offsets[i] as number);
      }
    } finally {
      await handle.close();
    }
    await writeFile(join(staging, GRAPH_FILE), encodeModel(model));
    await rm(directory, { recursive: true, force: true });
    await rename(staging, directory);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return join(directory, GRAPH_FILE);
}
