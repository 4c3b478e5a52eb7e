import { encodeAbiParameters, type Hex, keccak256 } from "viem";
import { describe, expect, test } from "vitest";
import { contentHash } from "./contentHash.js";
import {
  createTrainingManifest,
  loadTrainingManifest,
  TrainingManifestError,
  verifyTrainingManifestProof,
} from "./trainingManifest.js";

const entries = [1n, 2n, 7n, 42n, 1000n].map((id) => ({
  contributionId: id,
  contentHash: contentHash(`blob ${id}`),
}));

// The leaf OpenZeppelin's MerkleProof expects on-chain: keccak256(bytes.concat(keccak256(abi.encode(id, hash)))).
function leaf(id: bigint, hash: Hex): Hex {
  return keccak256(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }], [id, hash])));
}

// Sorted-pair hashing as in MerkleProof.processProof.
function processProof(proof: readonly Hex[], start: Hex): Hex {
  return proof.reduce<Hex>((node, sibling) => {
    const [a, b] = BigInt(node) < BigInt(sibling) ? [node, sibling] : [sibling, node];
    return keccak256(`0x${a.slice(2)}${b.slice(2)}`);
  }, start);
}

describe("training manifest", () => {
  test("proofs recompute the root the way MerkleProof.verify does on-chain", () => {
    const manifest = createTrainingManifest(entries);
    for (const entry of entries) {
      const proof = manifest.proof(entry.contributionId);
      expect(processProof(proof, leaf(entry.contributionId, entry.contentHash))).toBe(manifest.root);
      expect(verifyTrainingManifestProof(manifest.root, entry, proof)).toBe(true);
    }
  });

  test("the root does not depend on the order of the entries", () => {
    expect(createTrainingManifest([...entries].reverse()).root).toBe(createTrainingManifest(entries).root);
  });

  test("a proof does not verify another contribution", () => {
    const manifest = createTrainingManifest(entries);
    const other = { contributionId: 1n, contentHash: contentHash("something else") };
    expect(verifyTrainingManifestProof(manifest.root, other, manifest.proof(1n))).toBe(false);
  });

  test("round-trips through JSON", () => {
    const manifest = createTrainingManifest(entries);
    const loaded = loadTrainingManifest(JSON.parse(JSON.stringify(manifest.toJSON())));
    expect(loaded.root).toBe(manifest.root);
    expect(loaded.entries).toEqual(manifest.entries);
  });

  test("refuses empty, duplicate and malformed input", () => {
    expect(() => createTrainingManifest([])).toThrow(TrainingManifestError);
    expect(() => createTrainingManifest([...entries.slice(0, 1), ...entries.slice(0, 1)])).toThrow(
      /appears twice/,
    );
    expect(() => createTrainingManifest([{ contributionId: 1n, contentHash: "0x12" }])).toThrow(
      /invalid content hash/,
    );
    expect(() => createTrainingManifest(entries).proof(3n)).toThrow(/not in the training manifest/);
    const tampered = createTrainingManifest(entries).toJSON() as { tree: string[] };
    tampered.tree[0] = `0x${"00".repeat(32)}`;
    expect(() => loadTrainingManifest(tampered)).toThrow(TrainingManifestError);
  });
});
