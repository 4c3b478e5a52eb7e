import { writeFile } from "node:fs/promises";
import { createTrainingManifest, type TrainingManifest, type TrainingManifestEntry } from "@payable-ai/sdk";

export const MANIFEST_FILE = "training-manifest.json";

/**
 * The training manifest of a fine-tune: the contributions used with their content hashes, as the
 * SDK's Merkle tree. `root` is what `ModelRegistry.registerModel` records.
 */
export function buildTrainingManifest(contributions: readonly TrainingManifestEntry[]): TrainingManifest {
  const sorted = [...contributions].sort((a, b) =>
    a.contributionId < b.contributionId ? -1 : a.contributionId > b.contributionId ? 1 : 0,
  );
  return createTrainingManifest(sorted);
}

export async function writeTrainingManifest(path: string, manifest: TrainingManifest): Promise<void> {
  await writeFile(path, `${JSON.stringify({ root: manifest.root, tree: manifest.toJSON() }, null, 2)}\n`);
}
