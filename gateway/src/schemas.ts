import { getAddress, type Hex, isAddress } from "viem";
import { z } from "zod";
import { parseBlobId } from "./blobstore/blobStore.js";

const uint = (bits: number) =>
  z
    .union([z.string().regex(/^\d+$/, "a decimal integer"), z.number().int().nonnegative()])
    .transform((v) => BigInt(v))
    .refine((v) => v < 1n << BigInt(bits), `must fit in uint${bits}`);

export const blobIdParam = z.string().transform((value, ctx) => {
  const id = parseBlobId(value);
  if (id === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "a blob id is a sha256: 64 hex characters, optionally 0x-prefixed",
    });
    return z.NEVER;
  }
  return id;
});

export const visibilityQuery = z.enum(["public", "datanet"]).default("datanet");

export const contributionParams = z.object({ datanetId: uint(256), contributionId: uint(256) });

export const openSessionBody = z.object({
  request: z.object({
    account: z
      .string()
      .refine((v) => isAddress(v, { strict: false }), "an address")
      .transform((v) => getAddress(v)),
    datanetId: uint(256),
    nonce: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "32 bytes of hex")
      .transform((v) => v as Hex),
    expiresAt: uint(64),
  }),
  signature: z
    .string()
    .regex(/^0x[0-9a-fA-F]+$/, "hex")
    .transform((v) => v as Hex),
});
