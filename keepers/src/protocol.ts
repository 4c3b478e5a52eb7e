import type { Attribution, AttributionReport } from "@payable-ai/sdk";
import { type Address, getAddress, type Hex } from "viem";
import { z } from "zod";

/** Zod schemas of the JSON fields keepers exchange. */
export const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 32 bytes as 0x-prefixed hex");
export const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})+$/, "expected 0x-prefixed hex bytes");
export const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected an address")
  .transform((a) => getAddress(a));
export const uint = z
  .union([z.string().regex(/^\d{1,78}$/, "expected a decimal integer"), z.number().int().nonnegative()])
  .transform((v) => BigInt(v));

/** An `AttributionReport` as JSON (integers as decimal strings). */
export const reportJsonSchema = z.object({
  requestId: uint,
  // State files written before rounds existed hold round-0 reports.
  round: z.number().int().min(0).max(0xffff).default(0),
  modelId: uint,
  outputHash: hex32.transform((h) => h.toLowerCase() as Hex),
  outputURI: z.string().max(2048),
  executor: address,
  attributionVersion: z.number().int().min(0).max(0xffffffff),
  attributions: z
    .array(z.object({ contributionId: uint, weightBps: z.number().int().min(0).max(10_000) }))
    .max(256),
});

export const signatureJsonSchema = z.object({
  signer: address,
  signature: hexBytes.transform((s) => s as Hex),
});

export type SignedBy = { signer: Address; signature: Hex };

export type ReportJson = {
  requestId: string;
  round: number;
  modelId: string;
  outputHash: Hex;
  outputURI: string;
  executor: Address;
  attributionVersion: number;
  attributions: { contributionId: string; weightBps: number }[];
};

export function reportToJson(report: AttributionReport): ReportJson {
  return {
    requestId: report.requestId.toString(),
    round: report.round,
    modelId: report.modelId.toString(),
    outputHash: report.outputHash,
    outputURI: report.outputURI,
    executor: report.executor,
    attributionVersion: report.attributionVersion,
    attributions: report.attributions.map((a) => ({
      contributionId: a.contributionId.toString(),
      weightBps: a.weightBps,
    })),
  };
}

export function reportFromJson(json: unknown): AttributionReport {
  const parsed = reportJsonSchema.parse(json);
  return { ...parsed, attributions: parsed.attributions as Attribution[] };
}

/** Two reports say the same thing about a request except, possibly, who executed it. */
export function sameAnswer(a: AttributionReport, b: AttributionReport): boolean {
  return (
    a.requestId === b.requestId &&
    a.round === b.round &&
    a.modelId === b.modelId &&
    a.outputHash.toLowerCase() === b.outputHash.toLowerCase() &&
    a.attributionVersion === b.attributionVersion &&
    a.attributions.length === b.attributions.length &&
    a.attributions.every(
      (x, i) =>
        x.contributionId === b.attributions[i]?.contributionId &&
        x.weightBps === b.attributions[i]?.weightBps,
    )
  );
}
