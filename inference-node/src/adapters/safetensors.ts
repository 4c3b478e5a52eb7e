/** Reader and writer for the safetensors format (8-byte little-endian header length, JSON header, raw data). */

export type SafetensorsDtype = "F32" | "F16" | "BF16" | "F64";

import { BaseError } from "@payable-ai/sdk";

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Values decoded to float32. */
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends BaseError {
  override name = "SafetensorsError";
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const MAX_HEADER = 100_000_000;

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.byteLength < 8) throw new SafetensorsError("file shorter than the 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.byteLength) {
    throw new SafetensorsError(`header length ${headerLength} exceeds the file`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (error) {
    throw new SafetensorsError(`header is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new SafetensorsError("header must be a JSON object");
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = parseMetadata(entry);
      continue;
    }
    const info = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info.dtype as SafetensorsDtype;
    if (!(dtype in BYTES))
      throw new SafetensorsError(`tensor ${name}: unsupported dtype ${String(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor ${name}: bad shape`);
    }
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      throw new SafetensorsError(`tensor ${name}: bad data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    const count = shape.reduce((p: number, d: number) => p * d, 1);
    if (end < begin || end > dataLength || end - begin !== count * BYTES[dtype]) {
      throw new SafetensorsError(
        `tensor ${name}: data_offsets [${begin}, ${end}] do not match ${dtype}${JSON.stringify(shape)}`,
      );
    }
    tensors.set(name, {
      dtype,
      shape: shape as number[],
      data: decode(bytes, dataStart + begin, count, dtype),
    });
  }
  return { tensors, metadata };
}

function parseMetadata(entry: unknown): Record<string, string> {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new SafetensorsError("__metadata__ must be an object of strings");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== "string") throw new SafetensorsError(`__metadata__.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function decode(bytes: Uint8Array, offset: number, count: number, dtype: SafetensorsDtype): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * BYTES[dtype]);
  const out = new Float32Array(count);
  switch (dtype) {
    case "F32":
      // A byte copy into the result: `bytes` may be a Node Buffer, whose slice() is a view.
      if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case "F64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case "BF16": {
      // bfloat16 is the upper half of a float32: its bits shifted into place (native order on both views).
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) {
        const at = offset + 2 * i;
        bits[i] = ((bytes[at] as number) | ((bytes[at + 1] as number) << 8)) << 16;
      }
      break;
    }
  }
  return out;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Rounds a float to IEEE half precision (round to nearest even). */
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

export function floatToHalf(value: number): number {
  const f32 = scratchF32;
  const u32 = scratchU32;
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (remainder > midpoint || (remainder === midpoint && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >> 13);
  const remainder = mantissa & 0x1fff;
  const rounded = half + (remainder > 0x1000 || (remainder === 0x1000 && half & 1) ? 1 : 0);
  return sign | rounded;
}

/** Truncates to bfloat16 with round to nearest even. */
export function floatToBfloat16(value: number): number {
  const f32 = scratchF32;
  const u32 = scratchU32;
  f32[0] = value;
  const x = u32[0] as number;
  if (Number.isNaN(value)) return 0x7fc0;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export interface TensorToWrite {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/** Writes tensors in name order (as the reference implementation does), converting from float32. */
export function writeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name] as TensorToWrite;
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (count !== t.data.length)
      throw new SafetensorsError(`tensor ${name}: shape does not match data length`);
    const size = count * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces to an 8-byte boundary, as the reference writer does.
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += " ";
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors[name] as TensorToWrite;
    if (t.dtype === "F32" && LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), position);
      position += t.data.byteLength;
      continue;
    }
    if (t.dtype === "BF16" && LITTLE_ENDIAN) {
      // Round to nearest even on the float32 bits, as floatToBfloat16, without a call per value.
      const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
      const half = new Uint16Array(t.data.length);
      for (let i = 0; i < bits.length; i++) {
        const x = bits[i] as number;
        half[i] = (x & 0x7fffffff) > 0x7f800000 ? 0x7fc0 : ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
      }
      out.set(new Uint8Array(half.buffer), position);
      position += half.byteLength;
      continue;
    }
    for (const value of t.data) {
      switch (t.dtype) {
        case "F32":
          view.setFloat32(position, value, true);
          position += 4;
          break;
        case "F64":
          view.setFloat64(position, value, true);
          position += 8;
          break;
        case "F16":
          view.setUint16(position, floatToHalf(value), true);
          position += 2;
          break;
        case "BF16":
          view.setUint16(position, floatToBfloat16(value), true);
          position += 2;
          break;
      }
    }
  }
  return out;
}
