import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "./adapterLoader.js";
import { registryFileSchema } from "./registry.js";

export const BLOBS_DIR = "blobs";
export const REGISTRY_FILE = "registry.json";

/**
 * Stores an adapter package in an adapters directory (`blobs/<sha256>`) and records its id and hash
 * in `registry.json`. Returns the hash to register on-chain.
 */
export async function addAdapterToDir(
  directory: string,
  id: string,
  packageBytes: Uint8Array,
  description?: string,
) {
  const sha256 = sha256Hex(packageBytes);
  await mkdir(join(directory, BLOBS_DIR), { recursive: true });
  await writeFile(join(directory, BLOBS_DIR, sha256), packageBytes);
  const path = join(directory, REGISTRY_FILE);
  let registry: { adapters: Record<string, { sha256: string; description?: string }> } = { adapters: {} };
  try {
    registry = registryFileSchema.parse(JSON.parse(await readFile(path, "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  registry.adapters[id] = description ? { sha256, description } : { sha256 };
  await writeFile(path, `${JSON.stringify(registry, null, 2)}\n`);
  return sha256;
}
