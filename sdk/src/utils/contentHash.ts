import { type Hex, isHex, sha256, toBytes } from "viem";

export type ContentHashParameters = Uint8Array | string;
export type ContentHashReturnType = Hex;

/**
 * sha256 of a blob, as the `bytes32` the contracts store (contribution content hashes,
 * adapter hashes, input and output hashes). Strings are hashed as their UTF-8 bytes.
 *
 * @example
 * contentHash("hello") // 0x2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
 */
export function contentHash(blob: ContentHashParameters): ContentHashReturnType {
  const bytes = typeof blob === "string" ? new TextEncoder().encode(blob) : blob;
  return sha256(bytes);
}

/** True when `value` is a 32-byte hex string, the shape of every content hash. */
export function isContentHash(value: unknown): value is Hex {
  return typeof value === "string" && isHex(value, { strict: true }) && toBytes(value).length === 32;
}
