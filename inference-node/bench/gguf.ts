/**
 * A GGUF (v3) writer for the generated Llama weights, so llama.cpp runs the very weights the node
 * runs: F32, or Q8_0 (blocks of 32: an f16 scale and 32 int8) for the matrices. The vocabulary is the
 * node's byte vocabulary written as a SentencePiece-style one (`<0x00>`…`<0xFF>` byte tokens, then
 * `<s>`, `</s>`, `<pad>`), which keeps the token ids identical.
 *
 * Layout differences handled here: the node multiplies `x @ W` with W as [in, out]; GGML stores a
 * matrix row-major as [out][in] (ne0 = in). Hugging Face Llama rotates the two halves of each head
 * ("rotate_half"); llama.cpp's llama architecture rotates adjacent pairs, so q and k rows are
 * permuted within each head exactly as llama.cpp's own converter does.
 */
import { open } from "node:fs/promises";
import { headDim, type LlamaConfig, type LoraTarget, projectionShape } from "../src/model/config.js";
import { BOS_TOKEN, EOS_TOKEN, PAD_TOKEN } from "../src/model/tokenizer.js";
import type { LlamaWeights } from "../src/model/weights.js";

export type GgufWeightType = "F32" | "Q8_0";

const GGML_F32 = 0;
const GGML_Q8_0 = 8;
const ALIGNMENT = 32;
/** GGUF metadata value types. */
const Kv = { U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;

/** Little-endian byte sink that grows as needed. */
class Sink {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private reserve(n: number) {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number) {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number) {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number) {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  f32(v: number) {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  string(s: string) {
    const bytes = new TextEncoder().encode(s);
    this.u64(bytes.length);
    this.bytes(bytes);
  }
  bytes(b: Uint8Array) {
    this.reserve(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }
  pad(alignment: number) {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.bytes(new Uint8Array(n));
  }
  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** float32 → IEEE half bits, rounding to nearest even (scales are finite, positive, normal-ish). */
export function toHalf(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  let mantissa = x & 0x7fffff;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa = (mantissa | 0x800000) >>> (1 - exponent);
    return sign | ((mantissa + 0x1000) >>> 13);
  }
  if (exponent >= 31) return sign | 0x7c00;
  const half = sign | (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half;
}

export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 31) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/** Rows of `rowLength` floats as Q8_0 blocks, the way ggml's reference quantizer does it. */
export function quantizeQ8_0(data: Float32Array, rowLength: number): Uint8Array {
  if (rowLength % 32 !== 0) throw new Error(`Q8_0 needs rows of a multiple of 32 (got ${rowLength})`);
  const blocks = data.length / 32;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(data[b * 32 + i] as number));
    const d = amax / 127;
    const inverse = d ? 1 / d : 0;
    view.setUint16(b * 34, toHalf(d), true);
    for (let i = 0; i < 32; i++)
      view.setInt8(b * 34 + 2 + i, Math.round((data[b * 32 + i] as number) * inverse));
  }
  return out;
}

/** [in, out] → [out][in]. */
function transpose(w: Float32Array, inDim: number, outDim: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < inDim; i++)
    for (let o = 0; o < outDim; o++) out[o * inDim + i] = w[i * outDim + o] as number;
  return out;
}

/** Rows [out][in] of `heads` heads: half-split rotary order → interleaved pairs. */
function permuteRotary(rows: Float32Array, heads: number, d: number, inDim: number): Float32Array {
  const out = new Float32Array(rows.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < d / 2; i++) {
      for (const half of [0, 1]) {
        const from = (h * d + half * (d / 2) + i) * inDim;
        const to = (h * d + 2 * i + half) * inDim;
        out.set(rows.subarray(from, from + inDim), to);
      }
    }
  }
  return out;
}

interface PendingTensor {
  name: string;
  ne: number[];
  type: number;
  data: Uint8Array;
}

const GGUF_NAMES: Record<LoraTarget, string> = {
  q_proj: "attn_q",
  k_proj: "attn_k",
  v_proj: "attn_v",
  o_proj: "attn_output",
  gate_proj: "ffn_gate",
  up_proj: "ffn_up",
  down_proj: "ffn_down",
};

/** Writes `weights` of `config` as a llama-architecture GGUF file; returns its size in bytes. */
export async function writeLlamaGguf(
  path: string,
  config: LlamaConfig,
  weights: LlamaWeights,
  type: GgufWeightType,
): Promise<number> {
  const d = headDim(config);
  const tensors: PendingTensor[] = [];
  const vector = (name: string, data: Float32Array) =>
    tensors.push({
      name,
      ne: [data.length],
      type: GGML_F32,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
  const matrix = (name: string, rows: Float32Array, inDim: number, outDim: number) =>
    tensors.push({
      name,
      ne: [inDim, outDim],
      type: type === "Q8_0" ? GGML_Q8_0 : GGML_F32,
      data:
        type === "Q8_0"
          ? quantizeQ8_0(rows, inDim)
          : new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength),
    });

  matrix("token_embd.weight", weights.embedTokens, config.hiddenSize, config.vocabSize);
  weights.layers.forEach((layer, l) => {
    vector(`blk.${l}.attn_norm.weight`, layer.inputNorm);
    vector(`blk.${l}.ffn_norm.weight`, layer.postAttentionNorm);
    for (const target of Object.keys(GGUF_NAMES) as LoraTarget[]) {
      const [inDim, outDim] = projectionShape(config, target);
      let rows = transpose(layer.proj[target], inDim, outDim);
      if (target === "q_proj") rows = permuteRotary(rows, config.numHeads, d, inDim);
      if (target === "k_proj") rows = permuteRotary(rows, config.numKvHeads, d, inDim);
      matrix(`blk.${l}.${GGUF_NAMES[target]}.weight`, rows, inDim, outDim);
    }
  });
  vector("output_norm.weight", weights.finalNorm);
  matrix(
    "output.weight",
    transpose(weights.lmHead, config.hiddenSize, config.vocabSize),
    config.hiddenSize,
    config.vocabSize,
  );

  const header = new Sink();
  header.bytes(new TextEncoder().encode("GGUF"));
  header.u32(3);
  header.u64(tensors.length);
  const kvs: [string, (s: Sink) => void][] = [];
  const typed = (key: string, kind: number, write: (s: Sink) => void) =>
    kvs.push([
      key,
      (s) => {
        s.u32(kind);
        write(s);
      },
    ]);
  const u32 = (key: string, v: number) => typed(key, Kv.U32, (s) => s.u32(v));
  const f32 = (key: string, v: number) => typed(key, Kv.F32, (s) => s.f32(v));
  const str = (key: string, v: string) => typed(key, Kv.STRING, (s) => s.string(v));
  const tokens: string[] = [];
  const tokenTypes: number[] = [];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    tokenTypes.push(6); // byte
  }
  const specials: [number, string][] = [
    [BOS_TOKEN, "<s>"],
    [EOS_TOKEN, "</s>"],
    [PAD_TOKEN, "<pad>"],
  ];
  for (const [id, text] of specials) {
    if (id !== tokens.length) throw new Error("byte vocabulary ids changed");
    tokens.push(text);
    tokenTypes.push(3); // control
  }
  str("general.architecture", "llama");
  str("general.name", "payable-ai generated llama");
  u32("general.file_type", type === "Q8_0" ? 7 : 0);
  u32("general.alignment", ALIGNMENT);
  u32("llama.context_length", config.maxPositions);
  u32("llama.embedding_length", config.hiddenSize);
  u32("llama.block_count", config.numLayers);
  u32("llama.feed_forward_length", config.intermediateSize);
  u32("llama.attention.head_count", config.numHeads);
  u32("llama.attention.head_count_kv", config.numKvHeads);
  u32("llama.rope.dimension_count", d);
  u32("llama.vocab_size", config.vocabSize);
  f32("llama.attention.layer_norm_rms_epsilon", config.rmsNormEps);
  f32("llama.rope.freq_base", config.ropeTheta);
  str("tokenizer.ggml.model", "llama");
  kvs.push([
    "tokenizer.ggml.tokens",
    (s) => {
      s.u32(Kv.ARRAY);
      s.u32(Kv.STRING);
      s.u64(tokens.length);
      for (const t of tokens) s.string(t);
    },
  ]);
  kvs.push([
    "tokenizer.ggml.scores",
    (s) => {
      s.u32(Kv.ARRAY);
      s.u32(Kv.F32);
      s.u64(tokens.length);
      for (let i = 0; i < tokens.length; i++) s.f32(0);
    },
  ]);
  kvs.push([
    "tokenizer.ggml.token_type",
    (s) => {
      s.u32(Kv.ARRAY);
      s.u32(Kv.I32);
      s.u64(tokenTypes.length);
      for (const t of tokenTypes) s.i32(t);
    },
  ]);
  u32("tokenizer.ggml.bos_token_id", BOS_TOKEN);
  u32("tokenizer.ggml.eos_token_id", EOS_TOKEN);
  u32("tokenizer.ggml.padding_token_id", PAD_TOKEN);
  u32("tokenizer.ggml.unknown_token_id", PAD_TOKEN);
  typed("tokenizer.ggml.add_bos_token", Kv.BOOL, (s) => s.bytes(Uint8Array.of(1)));

  header.u64(kvs.length);
  for (const [key, write] of kvs) {
    header.string(key);
    write(header);
  }
  let offset = 0;
  for (const t of tensors) {
    header.string(t.name);
    header.u32(t.ne.length);
    for (const n of t.ne) header.u64(n);
    header.u32(t.type);
    header.u64(offset);
    offset += t.data.length;
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  header.pad(ALIGNMENT);

  const file = await open(path, "w");
  try {
    let position = 0;
    const write = async (bytes: Uint8Array) => {
      await file.write(bytes, 0, bytes.length, position);
      position += bytes.length;
    };
    await write(header.result());
    for (const t of tensors) {
      await write(t.data);
      const pad = (ALIGNMENT - (t.data.length % ALIGNMENT)) % ALIGNMENT;
      if (pad) await write(new Uint8Array(pad));
    }
    return position;
  } finally {
    await file.close();
  }
}
