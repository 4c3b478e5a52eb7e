/**
 * Block-wise 4-bit quantization in the layout of ONNX Runtime's `MatMulNBits` (com.microsoft):
 * a weight W [K, N] (`x @ W`) is stored per output column n as ⌈K / 32⌉ blocks of 32 values,
 * two values per byte (the even index in the low nibble). Each block has a float32 scale and, in
 * the asymmetric mode, a 4-bit zero point (packed two per byte the same way); without zero points
 * the runtime uses 8. A value dequantizes to `(q - zeroPoint) · scale`.
 */

export const INT4_BLOCK_SIZE = 32;

/** `asym`: zero point per block (min..max onto 0..15); `sym`: zero point 8 (±max onto -8..7). */
export type Int4Mode = "sym" | "asym";

export interface Int4Weight {
  mode: Int4Mode;
  /** Rows of W (the reduced dimension) and its columns. */
  k: number;
  n: number;
  blocks: number;
  /** [n, blocks, 16] */
  packed: Uint8Array;
  /** [n, blocks] */
  scales: Float32Array;
  /** [n, ⌈blocks / 2⌉] for `asym`; null for `sym`. */
  zeroPoints: Uint8Array | null;
}

const BLOB_BYTES = INT4_BLOCK_SIZE / 2;

/** Quantizes a row-major [k, n] weight (the `x @ W` orientation). */
export function quantizeInt4(weight: Float32Array, k: number, n: number, mode: Int4Mode): Int4Weight {
  return quantizeRowsInt4(weight, k, n, mode, (row, col) => row * n + col);
}

/**
 * Quantizes a row-major [n, k] matrix read as its transpose, W = Mᵀ: an embedding [vocab, hidden]
 * used as the output projection (`x @ Eᵀ`) without a transposed copy.
 */
export function quantizeTransposedInt4(
  matrix: Float32Array,
  n: number,
  k: number,
  mode: Int4Mode,
): Int4Weight {
  return quantizeRowsInt4(matrix, k, n, mode, (row, col) => col * k + row);
}

function quantizeRowsInt4(
  source: Float32Array,
  k: number,
  n: number,
  mode: Int4Mode,
  index: (row: number, col: number) => number,
): Int4Weight {
  if (source.length !== k * n) throw new Error(`weight has ${source.length} values, expected ${k} × ${n}`);
  const blocks = Math.ceil(k / INT4_BLOCK_SIZE);
  const packed = new Uint8Array(n * blocks * BLOB_BYTES);
  const scales = new Float32Array(n * blocks);
  const zeroBytes = Math.ceil(blocks / 2);
  const zeroPoints = mode === "asym" ? new Uint8Array(n * zeroBytes) : null;
  const values = new Float32Array(INT4_BLOCK_SIZE);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < blocks; b++) {
      const start = b * INT4_BLOCK_SIZE;
      const count = Math.min(INT4_BLOCK_SIZE, k - start);
      for (let i = 0; i < count; i++) values[i] = source[index(start + i, col)] as number;
      const { scale, zeroPoint } =
        mode === "asym" ? asymmetricBlock(values, count) : symmetricBlock(values, count);
      scales[col * blocks + b] = scale;
      if (zeroPoints) {
        const at = col * zeroBytes + (b >> 1);
        zeroPoints[at] = (zeroPoints[at] as number) | (zeroPoint << ((b & 1) * 4));
      }
      const inverse = scale === 0 ? 0 : 1 / scale;
      const blob = (col * blocks + b) * BLOB_BYTES;
      for (let i = 0; i < INT4_BLOCK_SIZE; i++) {
        // Padding past K holds the zero point, so it dequantizes to 0.
        const q =
          i < count
            ? Math.min(15, Math.max(0, Math.round((values[i] as number) * inverse) + zeroPoint))
            : zeroPoint;
        packed[blob + (i >> 1)] = (packed[blob + (i >> 1)] as number) | (q << ((i & 1) * 4));
      }
    }
  }
  return { mode, k, n, blocks, packed, scales, zeroPoints };
}

/** Range widened to include 0, so zeros (and padding) stay exact; as ONNX Runtime's own quantizer. */
function asymmetricBlock(values: Float32Array, count: number): { scale: number; zeroPoint: number } {
  let min = 0;
  let max = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = Math.fround((max - min) / 15);
  if (scale === 0) return { scale: 0, zeroPoint: 8 };
  return { scale, zeroPoint: Math.min(15, Math.max(0, Math.round(-min / scale))) };
}

/** The value of largest magnitude maps to -8 (as llama.cpp's Q4_0), which uses all 16 levels. */
function symmetricBlock(values: Float32Array, count: number): { scale: number; zeroPoint: number } {
  let extreme = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    if (Math.abs(v) > Math.abs(extreme)) extreme = v;
  }
  return { scale: Math.fround(extreme / -8), zeroPoint: 8 };
}

/** The float32 [k, n] weight the runtime computes with: `(q - zeroPoint) · scale` per value. */
export function dequantizeInt4(weight: Int4Weight): Float32Array {
  const { k, n, blocks, packed, scales, zeroPoints } = weight;
  const out = new Float32Array(k * n);
  const zeroBytes = Math.ceil(blocks / 2);
  for (let col = 0; col < n; col++) {
    for (let row = 0; row < k; row++) {
      const b = Math.floor(row / INT4_BLOCK_SIZE);
      const i = row % INT4_BLOCK_SIZE;
      const q = ((packed[(col * blocks + b) * BLOB_BYTES + (i >> 1)] as number) >> ((i & 1) * 4)) & 15;
      const zeroPoint = zeroPoints
        ? ((zeroPoints[col * zeroBytes + (b >> 1)] as number) >> ((b & 1) * 4)) & 15
        : 8;
      out[row * n + col] = Math.fround((q - zeroPoint) * (scales[col * blocks + b] as number));
    }
  }
  return out;
}

/**
 * The zero points as `GatherBlockQuantized` reads them: one nibble per block in row-major order
 * over all rows, not restarted at each row as `MatMulNBits` reads them. The two layouts agree
 * when the block count is even; with an odd count an embedding needs this copy (n · blocks / 2
 * bytes, next to nothing beside the table).
 */
export function gatherZeroPoints(weight: Int4Weight): Uint8Array | null {
  const { zeroPoints, blocks, n } = weight;
  if (!zeroPoints || blocks % 2 === 0) return zeroPoints;
  const zeroBytes = Math.ceil(blocks / 2);
  const flat = new Uint8Array(n * zeroBytes);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const zero = ((zeroPoints[row * zeroBytes + (b >> 1)] as number) >> ((b & 1) * 4)) & 15;
      const at = row * blocks + b;
      flat[at >> 1] = (flat[at >> 1] as number) | (zero << ((at & 1) * 4));
    }
  }
  return flat;
}

/** Bytes the quantized weight occupies (packed values, scales, zero points). */
export function int4Bytes(weight: Int4Weight): number {
  return weight.packed.byteLength + weight.scales.byteLength + (weight.zeroPoints?.byteLength ?? 0);
}
