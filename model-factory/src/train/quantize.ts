/**
 * QLoRA-style frozen base weights: each projection is stored as signed integers of `bits` bits with
 * one float scale per group of `groupSize` consecutive input rows of one output column (symmetric,
 * absmax). The trainer computes with the dequantized values, so the adapter learns against the
 * quantized base exactly as QLoRA does.
 */
export interface QuantizedMatrix {
  bits: 4 | 8;
  groupSize: number;
  rows: number;
  cols: number;
  /** int8: one byte per value; int4: two values per byte (low nibble first), two's complement. */
  packed: Uint8Array;
  /** [ceil(rows / groupSize), cols] */
  scales: Float32Array;
}

export function quantizeMatrix(
  w: Float32Array,
  rows: number,
  cols: number,
  bits: 4 | 8,
  groupSize = rows,
): QuantizedMatrix {
  if (w.length !== rows * cols) throw new Error(`matrix has ${w.length} values, not ${rows}x${cols}`);
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new Error("groupSize must be a positive integer");
  const qmax = bits === 8 ? 127 : 7;
  const groups = Math.ceil(rows / groupSize);
  const scales = new Float32Array(groups * cols);
  const values = new Int8Array(rows * cols);
  for (let g = 0; g < groups; g++) {
    const end = Math.min(rows, (g + 1) * groupSize);
    for (let c = 0; c < cols; c++) {
      let max = 0;
      for (let r = g * groupSize; r < end; r++) max = Math.max(max, Math.abs(w[r * cols + c] as number));
      const scale = max === 0 ? 1 : max / qmax;
      scales[g * cols + c] = scale;
      for (let r = g * groupSize; r < end; r++) {
        const q = Math.round((w[r * cols + c] as number) / scale);
        values[r * cols + c] = Math.max(-qmax, Math.min(qmax, q));
      }
    }
  }
  let packed: Uint8Array;
  if (bits === 8) {
    packed = new Uint8Array(values.buffer);
  } else {
    packed = new Uint8Array(Math.ceil(values.length / 2));
    for (let i = 0; i < values.length; i++) {
      const nibble = (values[i] as number) & 0x0f;
      packed[i >> 1] = (packed[i >> 1] as number) | (i & 1 ? nibble << 4 : nibble);
    }
  }
  return { bits, groupSize, rows, cols, packed, scales };
}

export function dequantizeMatrix(q: QuantizedMatrix): Float32Array {
  const out = new Float32Array(q.rows * q.cols);
  for (let r = 0; r < q.rows; r++) {
    const g = Math.floor(r / q.groupSize);
    for (let c = 0; c < q.cols; c++) {
      const i = r * q.cols + c;
      let v: number;
      if (q.bits === 8) {
        v = ((q.packed[i] as number) << 24) >> 24;
      } else {
        const byte = q.packed[i >> 1] as number;
        v = (((i & 1 ? byte >> 4 : byte) & 0x0f) << 28) >> 28;
      }
      out[i] = v * (q.scales[g * q.cols + c] as number);
    }
  }
  return out;
}

/** Bytes the quantized matrix occupies (values + scales). */
export function quantizedBytes(q: QuantizedMatrix): number {
  return q.packed.byteLength + q.scales.byteLength;
}
