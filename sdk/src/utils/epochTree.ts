import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, getAddress, type Hex } from "viem";
import { BaseError } from "../errors/base.js";

/** Leaf encoding of the UsageLedger's cumulative earnings tree. */
export const epochTreeLeafEncoding = ["address", "uint256"] as const;

type Leaf = [Address, string];

export type EpochTreeErrorType = EpochTreeError;
export class EpochTreeError extends BaseError {
  override name = "EpochTreeError";
}

/**
 * Every account's CUMULATIVE metered earnings over all epochs, as an OpenZeppelin
 * `StandardMerkleTree` over `(address account, uint256 cumulative)` leaves. The UsageLedger
 * stores `root` and `cumulativeTotal` per epoch and pays a claim of `(account, cumulativeOf(account))`
 * with `proof(account)` the part not yet claimed.
 */
export type EpochTree = {
  readonly root: Hex;
  /** Sum of the leaves. */
  readonly cumulativeTotal: bigint;
  readonly entries: readonly { account: Address; cumulative: bigint }[];
  /** The account's cumulative earnings (`0n` when it earned nothing). */
  cumulativeOf(account: Address): bigint;
  proof(account: Address): Hex[];
  /** JSON that `loadEpochTree` reads back (the tree's standard-v1 dump). */
  toJSON(): unknown;
};

/**
 * Builds the tree from cumulative earnings; accounts with nothing earned are left out.
 *
 * @example
 * const tree = createEpochTree(new Map([[alice, 6n], [bob, 4n]]))
 * tree.proof(alice)
 */
export function createEpochTree(cumulative: ReadonlyMap<Address, bigint>): EpochTree {
  const leaves: Leaf[] = [];
  for (const [account, amount] of cumulative) {
    if (amount < 0n) throw new EpochTreeError(`Account ${account} has negative earnings ${amount}.`);
    if (amount !== 0n) leaves.push([getAddress(account), amount.toString()]);
  }
  if (leaves.length === 0)
    throw new EpochTreeError("An epoch tree needs at least one account with earnings.");
  return wrap(StandardMerkleTree.of(leaves, [...epochTreeLeafEncoding]));
}

/** Reads a tree written by `tree.toJSON()`; the root is recomputed and checked. */
export function loadEpochTree(json: unknown): EpochTree {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: validated by StandardMerkleTree.load
    const tree = StandardMerkleTree.load<Leaf>(json as any);
    tree.validate();
    return wrap(tree);
  } catch (error) {
    throw new EpochTreeError("Invalid epoch tree.", { cause: error, details: (error as Error).message });
  }
}

function wrap(tree: StandardMerkleTree<Leaf>): EpochTree {
  const entries: { account: Address; cumulative: bigint }[] = [];
  const index = new Map<string, number>();
  let total = 0n;
  for (const [i, [account, amount]] of tree.entries()) {
    const key = account.toLowerCase();
    if (index.has(key)) throw new EpochTreeError(`Account ${account} appears twice in the tree.`);
    const cumulative = BigInt(amount);
    entries.push({ account: getAddress(account), cumulative });
    index.set(key, i);
    total += cumulative;
  }
  const at = (account: Address) => index.get(account.toLowerCase());
  return {
    root: tree.root as Hex,
    cumulativeTotal: total,
    entries,
    cumulativeOf(account) {
      const i = at(account);
      return i === undefined ? 0n : (entries[i]?.cumulative ?? 0n);
    },
    proof(account) {
      const i = at(account);
      if (i === undefined) throw new EpochTreeError(`Account ${account} has no earnings in the tree.`);
      return tree.getProof(i) as Hex[];
    },
    toJSON: () => tree.dump(),
  };
}
