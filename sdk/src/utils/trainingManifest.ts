import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Hex } from "viem";
import { BaseError } from "../errors/base.js";
import { isContentHash } from "./contentHash.js";

/** One contribution used to train a model. */
export type TrainingManifestEntry = { contributionId: bigint; contentHash: Hex };

/** Leaf encoding of the training-manifest tree; the on-chain root commits to these pairs. */
export const trainingManifestLeafEncoding = ["uint256", "bytes32"] as const;

type Leaf = [string, Hex];

export type TrainingManifestErrorType = TrainingManifestError;
export class TrainingManifestError extends BaseError {
  override name = "TrainingManifestError";
}

/**
 * The contributions a model was trained on, as an OpenZeppelin `StandardMerkleTree` over
 * `(uint256 contributionId, bytes32 contentHash)` leaves. `ModelRegistry` stores `root`;
 * `proof` lets anyone show on-chain (`MerkleProof.verify` with
 * `keccak256(bytes.concat(keccak256(abi.encode(id, hash))))`) that a contribution was used.
 */
export type TrainingManifest = {
  readonly root: Hex;
  readonly entries: readonly TrainingManifestEntry[];
  proof(contributionId: bigint): Hex[];
  /** JSON that `loadTrainingManifest` reads back (the tree's standard-v1 dump). */
  toJSON(): unknown;
};

/**
 * Builds the training-manifest Merkle tree of a model.
 *
 * @example
 * const manifest = createTrainingManifest([{ contributionId: 1n, contentHash: contentHash("text") }])
 * await registerModel(client, { ..., trainingManifestRoot: manifest.root })
 */
export function createTrainingManifest(entries: readonly TrainingManifestEntry[]): TrainingManifest {
  if (entries.length === 0)
    throw new TrainingManifestError("A training manifest needs at least one contribution.");
  const seen = new Set<bigint>();
  for (const entry of entries) {
    if (entry.contributionId < 0n) {
      throw new TrainingManifestError(`Contribution id ${entry.contributionId} is negative.`);
    }
    if (seen.has(entry.contributionId)) {
      throw new TrainingManifestError(`Contribution ${entry.contributionId} appears twice in the manifest.`);
    }
    if (!isContentHash(entry.contentHash)) {
      throw new TrainingManifestError(
        `Contribution ${entry.contributionId} has an invalid content hash ${String(entry.contentHash)}.`,
        { details: "A content hash is the 32-byte sha256 of the blob, as 0x-prefixed hex." },
      );
    }
    seen.add(entry.contributionId);
  }
  const leaves: Leaf[] = entries.map((e) => [
    e.contributionId.toString(),
    e.contentHash.toLowerCase() as Hex,
  ]);
  return wrap(StandardMerkleTree.of(leaves, [...trainingManifestLeafEncoding]));
}

/** Reads a manifest written by `manifest.toJSON()`; the root is recomputed and checked. */
export function loadTrainingManifest(json: unknown): TrainingManifest {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: validated by StandardMerkleTree.load
    const tree = StandardMerkleTree.load<Leaf>(json as any);
    tree.validate();
    return wrap(tree);
  } catch (error) {
    if (error instanceof TrainingManifestError) throw error;
    throw new TrainingManifestError("Invalid training manifest.", {
      cause: error,
      details: (error as Error).message,
    });
  }
}

/** Checks a proof against a root without the tree. */
export function verifyTrainingManifestProof(
  root: Hex,
  entry: TrainingManifestEntry,
  proof: readonly Hex[],
): boolean {
  return StandardMerkleTree.verify<Leaf>(
    root,
    [...trainingManifestLeafEncoding],
    [entry.contributionId.toString(), entry.contentHash],
    [...proof],
  );
}

function wrap(tree: StandardMerkleTree<Leaf>): TrainingManifest {
  const entries: TrainingManifestEntry[] = [];
  const index = new Map<bigint, number>();
  for (const [i, [id, hash]] of tree.entries()) {
    entries.push({ contributionId: BigInt(id), contentHash: hash });
    index.set(BigInt(id), i);
  }
  return {
    root: tree.root as Hex,
    entries,
    proof(contributionId) {
      const i = index.get(contributionId);
      if (i === undefined) {
        throw new TrainingManifestError(`Contribution ${contributionId} is not in the training manifest.`);
      }
      return tree.getProof(i) as Hex[];
    },
    toJSON: () => tree.dump(),
  };
}
