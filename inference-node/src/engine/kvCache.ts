import { headDim, type LlamaConfig } from "../model/config.js";

/**
 * Key/value cache of a batch of rows, in the graph's layout [rows, kv_heads, length, head_dim] per
 * layer. Rows of different lengths are left-padded; `mask` marks real columns (1) and padding (0).
 */
export interface KvCache {
  rows: number;
  length: number;
  mask: Uint8Array;
  keys: Float32Array[];
  values: Float32Array[];
}

export function emptyCache(config: LlamaConfig, rows: number): KvCache {
  return {
    rows,
    length: 0,
    mask: new Uint8Array(0),
    keys: Array.from({ length: config.numLayers }, () => new Float32Array(0)),
    values: Array.from({ length: config.numLayers }, () => new Float32Array(0)),
  };
}

/** Columns per row-head block times head_dim: the stride of one row in a layer tensor. */
function rowStride(config: LlamaConfig, length: number): number {
  return config.numKvHeads * length * headDim(config);
}

/** Copies `rows` of `source` into a cache of `length` columns, right-aligned (left padding). */
function resize(config: LlamaConfig, source: KvCache, rows: number[], length: number): KvCache {
  const d = headDim(config);
  const heads = config.numKvHeads;
  const pad = length - source.length;
  if (pad < 0) throw new Error("cannot shrink a cache below its length with resize");
  const mask = new Uint8Array(rows.length * length);
  rows.forEach((row, r) => {
    mask.set(source.mask.subarray(row * source.length, (row + 1) * source.length), r * length + pad);
  });
  const copy = (tensors: Float32Array[]) =>
    tensors.map((tensor) => {
      const out = new Float32Array(rows.length * heads * length * d);
      rows.forEach((row, r) => {
        for (let head = 0; head < heads; head++) {
          const from = (row * heads + head) * source.length * d;
          const to = ((r * heads + head) * length + pad) * d;
          out.set(tensor.subarray(from, from + source.length * d), to);
        }
      });
      return out;
    });
  return { rows: rows.length, length, mask, keys: copy(source.keys), values: copy(source.values) };
}

/** Stacks two caches row-wise, left-padding the shorter one. */
export function concatCaches(config: LlamaConfig, a: KvCache, b: KvCache): KvCache {
  if (a.rows === 0) return b;
  if (b.rows === 0) return a;
  const length = Math.max(a.length, b.length);
  const left = resize(config, a, range(a.rows), length);
  const right = resize(config, b, range(b.rows), length);
  const join = (x: Float32Array, y: Float32Array) => {
    const out = new Float32Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  const mask = new Uint8Array(left.mask.length + right.mask.length);
  mask.set(left.mask);
  mask.set(right.mask, left.mask.length);
  return {
    rows: a.rows + b.rows,
    length,
    mask,
    keys: left.keys.map((k, i) => join(k, right.keys[i] as Float32Array)),
    values: left.values.map((v, i) => join(v, right.values[i] as Float32Array)),
  };
}

/** Keeps the given rows, then drops leading columns that are padding in every remaining row. */
export function selectRows(config: LlamaConfig, cache: KvCache, rows: number[]): KvCache {
  let firstUsed = cache.length;
  for (const row of rows) {
    const start = row * cache.length;
    for (let c = 0; c < firstUsed; c++) {
      if (cache.mask[start + c] === 1) {
        firstUsed = c;
        break;
      }
    }
  }
  if (rows.length === 0) return emptyCache(config, 0);
  const length = cache.length - firstUsed;
  const d = headDim(config);
  const heads = config.numKvHeads;
  const mask = new Uint8Array(rows.length * length);
  rows.forEach((row, r) => {
    mask.set(cache.mask.subarray(row * cache.length + firstUsed, (row + 1) * cache.length), r * length);
  });
  const copy = (tensors: Float32Array[]) =>
    tensors.map((tensor) => {
      const out = new Float32Array(rows.length * rowStride(config, length));
      rows.forEach((row, r) => {
        for (let head = 0; head < heads; head++) {
          const from = ((row * heads + head) * cache.length + firstUsed) * d;
          out.set(tensor.subarray(from, from + length * d), (r * heads + head) * length * d);
        }
      });
      return out;
    });
  return { rows: rows.length, length, mask, keys: copy(cache.keys), values: copy(cache.values) };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
