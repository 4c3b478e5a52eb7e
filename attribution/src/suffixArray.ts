/**
 * Suffix array by induced sorting (SA-IS, Nong–Zhang–Chan 2009), linear time.
 * `text` holds integers in `[0, alphabetSize)`; suffixes are ordered
 * lexicographically, a proper prefix first. Working memory besides the result:
 * one byte and one `Int32Array` entry per symbol, two bucket arrays of the
 * alphabet's size, and the reduced problem (at most half the length) in the
 * recursion.
 */
export function buildSuffixArray(text: Int32Array, alphabetSize: number): Int32Array {
  const n = text.length;
  if (n === 0) return new Int32Array(0);
  if (n === 1) return Int32Array.of(0);
  if (n === 2) return (text[0] as number) < (text[1] as number) ? Int32Array.of(0, 1) : Int32Array.of(1, 0);
  const upper = alphabetSize - 1;
  const sa = new Int32Array(n);

  // ls[i] = 1 when suffix i is S-type (smaller than suffix i + 1).
  const ls = new Uint8Array(n);
  for (let i = n - 2; i >= 0; i--) {
    const a = text[i] as number;
    const b = text[i + 1] as number;
    ls[i] = a === b ? (ls[i + 1] as number) : a < b ? 1 : 0;
  }
  // Bucket starts: sumL[c] where L-type suffixes of c begin, sumS[c] where S-type ones begin.
  const sumL = new Int32Array(upper + 2);
  const sumS = new Int32Array(upper + 2);
  for (let i = 0; i < n; i++) {
    const c = text[i] as number;
    if (ls[i] === 0) sumS[c] = (sumS[c] as number) + 1;
    else sumL[c + 1] = (sumL[c + 1] as number) + 1;
  }
  for (let c = 0; c <= upper; c++) {
    sumS[c] = (sumS[c] as number) + (sumL[c] as number);
    if (c < upper) sumL[c + 1] = (sumL[c + 1] as number) + (sumS[c] as number);
  }
  const buf = new Int32Array(upper + 2);

  const induce = (lms: Int32Array): void => {
    sa.fill(-1);
    buf.set(sumS);
    for (let j = 0; j < lms.length; j++) {
      const d = lms[j] as number;
      if (d === n) continue;
      const c = text[d] as number;
      sa[buf[c] as number] = d;
      buf[c] = (buf[c] as number) + 1;
    }
    buf.set(sumL);
    {
      const c = text[n - 1] as number;
      sa[buf[c] as number] = n - 1;
      buf[c] = (buf[c] as number) + 1;
    }
    for (let i = 0; i < n; i++) {
      const v = sa[i] as number;
      if (v >= 1 && ls[v - 1] === 0) {
        const c = text[v - 1] as number;
        sa[buf[c] as number] = v - 1;
        buf[c] = (buf[c] as number) + 1;
      }
    }
    buf.set(sumL);
    for (let i = n - 1; i >= 0; i--) {
      const v = sa[i] as number;
      if (v >= 1 && ls[v - 1] === 1) {
        const c = (text[v - 1] as number) + 1;
        buf[c] = (buf[c] as number) - 1;
        sa[buf[c] as number] = v - 1;
      }
    }
  };

  // LMS positions: S-type with an L-type left neighbour.
  const lmsMap = new Int32Array(n + 1).fill(-1);
  let m = 0;
  for (let i = 1; i < n; i++) if (ls[i - 1] === 0 && ls[i] === 1) lmsMap[i] = m++;
  const lms = new Int32Array(m);
  for (let i = 1, j = 0; i < n; i++) if (ls[i - 1] === 0 && ls[i] === 1) lms[j++] = i;
  induce(lms);

  if (m > 0) {
    // Name the LMS substrings in sorted order, then sort the reduced string recursively.
    const sortedLms = new Int32Array(m);
    for (let i = 0, j = 0; i < n; i++) {
      const v = sa[i] as number;
      if (lmsMap[v] !== -1) sortedLms[j++] = v;
    }
    const reduced = new Int32Array(m);
    let names = 0;
    reduced[lmsMap[sortedLms[0] as number] as number] = 0;
    for (let i = 1; i < m; i++) {
      let l = sortedLms[i - 1] as number;
      let r = sortedLms[i] as number;
      const endL = (lmsMap[l] as number) + 1 < m ? (lms[(lmsMap[l] as number) + 1] as number) : n;
      const endR = (lmsMap[r] as number) + 1 < m ? (lms[(lmsMap[r] as number) + 1] as number) : n;
      let same = true;
      if (endL - l !== endR - r) same = false;
      else {
        while (l < endL && text[l] === text[r]) {
          l++;
          r++;
        }
        if (l === n || text[l] !== text[r]) same = false;
      }
      if (!same) names++;
      reduced[lmsMap[sortedLms[i] as number] as number] = names;
    }
    const reducedSa = buildSuffixArray(reduced, names + 1);
    for (let i = 0; i < m; i++) sortedLms[i] = lms[reducedSa[i] as number] as number;
    induce(sortedLms);
  }
  return sa;
}
