/**
 * Suffix array by prefix doubling with a counting sort per round (Manber–Myers
 * with the second key read off the previous round's order). `ranks` holds the
 * initial symbol of every position as an integer in `[0, alphabetSize)`; the
 * caller makes the text end in a unique symbol so no suffix is a prefix of
 * another. Memory: the result plus three `Int32Array`s of the text's length.
 * Rounds are `ceil(log2(longest repeat))`, each linear.
 */
export function buildSuffixArray(ranks: Int32Array, alphabetSize: number): Int32Array {
  const n = ranks.length;
  const sa = new Int32Array(n);
  if (n === 0) return sa;
  let rank = new Int32Array(n);
  let tmp = new Int32Array(n);
  const count = new Int32Array(Math.max(n, alphabetSize) + 1);

  // Round 0: sort by the first symbol and compact ranks to 0..classes-1.
  for (let i = 0; i < n; i++) count[ranks[i] as number] = (count[ranks[i] as number] as number) + 1;
  let classes = 0;
  for (let c = 0, sum = 0; c < alphabetSize; c++) {
    const k = count[c] as number;
    count[c] = sum;
    sum += k;
  }
  for (let i = 0; i < n; i++) {
    const c = ranks[i] as number;
    sa[count[c] as number] = i;
    count[c] = (count[c] as number) + 1;
  }
  rank[sa[0] as number] = 0;
  for (let j = 1; j < n; j++) {
    if (ranks[sa[j] as number] !== ranks[sa[j - 1] as number]) classes++;
    rank[sa[j] as number] = classes;
  }
  classes++;

  for (let k = 1; classes < n; k <<= 1) {
    // Order by second key: suffixes with no second half first, then by previous order.
    let p = 0;
    for (let i = n - k; i < n; i++) tmp[p++] = i;
    for (let j = 0; j < n; j++) {
      const s = sa[j] as number;
      if (s >= k) tmp[p++] = s - k;
    }
    // Stable counting sort by first key.
    count.fill(0, 0, classes + 1);
    for (let i = 0; i < n; i++) count[rank[i] as number] = (count[rank[i] as number] as number) + 1;
    for (let c = 0, sum = 0; c < classes; c++) {
      const v = count[c] as number;
      count[c] = sum;
      sum += v;
    }
    for (let j = 0; j < n; j++) {
      const s = tmp[j] as number;
      const c = rank[s] as number;
      sa[count[c] as number] = s;
      count[c] = (count[c] as number) + 1;
    }
    // Re-rank by the pair (rank[i], rank[i + k]).
    let prev = sa[0] as number;
    tmp[prev] = 0;
    let cls = 0;
    for (let j = 1; j < n; j++) {
      const cur = sa[j] as number;
      if (
        rank[cur] !== rank[prev] ||
        (cur + k < n ? (rank[cur + k] as number) : -1) !== (prev + k < n ? (rank[prev + k] as number) : -1)
      ) {
        cls++;
      }
      tmp[cur] = cls;
      prev = cur;
    }
    classes = cls + 1;
    const swap = rank;
    rank = tmp;
    tmp = swap;
  }
  return sa;
}
