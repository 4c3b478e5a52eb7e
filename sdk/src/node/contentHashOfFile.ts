import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Hex } from "viem";

/**
 * sha256 of a file, streamed so that large adapters are hashed in constant memory.
 *
 * @example
 * const adapterHash = await contentHashOfFile("adapter_model.safetensors")
 */
export async function contentHashOfFile(path: string): Promise<Hex> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `0x${hash.digest("hex")}`;
}
