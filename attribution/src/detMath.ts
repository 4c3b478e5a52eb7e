const LN2 = Math.LN2;

/**
 * Natural logarithm from `+ - * /` only. `Math.log` is not required to be
 * correctly rounded, so engines may differ in the last bit; attribution weights
 * must not. Accurate to about 1e-15 relative, which is all BM25 needs.
 */
export function deterministicLn(x: number): number {
  if (!(x > 0) || !Number.isFinite(x))
    throw new RangeError(`deterministicLn: ${x} is not a positive finite number`);
  let m = x;
  let e = 0;
  while (m >= 2) {
    m /= 2;
    e += 1;
  }
  while (m < 1) {
    m *= 2;
    e -= 1;
  }
  // m in [1, 2): ln(m) = 2 atanh(s), s = (m - 1) / (m + 1) in [0, 1/3).
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let term = s;
  let sum = 0;
  for (let k = 1; k < 64; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2 * sum + e * LN2;
}
