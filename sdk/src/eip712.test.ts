import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type Address, type Hex, hashDomain, hashStruct, hashTypedData, recoverTypedDataAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { hashAttributionReport, signAttributionReport } from "./actions/inference/signAttributionReport.js";
import { type AttributionReport, attributionReportTypes, inferenceMarketDomain } from "./eip712.js";

type Vector = {
  domain: { name: string; version: string; chainId: number; verifyingContract: Address };
  report: Omit<AttributionReport, "requestId" | "modelId" | "attributions"> & {
    requestId: string;
    modelId: string;
    attributions: { contributionId: string; weightBps: number }[];
  };
  domainSeparator: Hex;
  structHash: Hex;
  digest: Hex;
  signerPrivateKey: Hex;
  signer: Address;
  signature: Hex;
};

// The vector is written by the contracts' tests (test/vectors/); both sides must agree on it.
const vector: Vector = JSON.parse(
  await readFile(resolve(import.meta.dirname, "../../test/vectors/attribution-report.json"), "utf8"),
);
const report: AttributionReport = {
  ...vector.report,
  requestId: BigInt(vector.report.requestId),
  modelId: BigInt(vector.report.modelId),
  attributions: vector.report.attributions.map((a) => ({
    contributionId: BigInt(a.contributionId),
    weightBps: a.weightBps,
  })),
};
const domain = inferenceMarketDomain(vector.domain.chainId, vector.domain.verifyingContract);

describe("AttributionReport known-answer vector", () => {
  test("the SDK's domain is the contract's", () => {
    expect(domain).toEqual(vector.domain);
    expect(
      hashDomain({
        domain: { ...vector.domain, chainId: BigInt(vector.domain.chainId) },
        types: { EIP712Domain: eip712DomainFields },
      }),
    ).toBe(vector.domainSeparator);
  });

  test("struct hash and digest match", () => {
    expect(
      hashStruct({ data: report, primaryType: "AttributionReport", types: attributionReportTypes }),
    ).toBe(vector.structHash);
    expect(
      hashTypedData({
        domain,
        types: attributionReportTypes,
        primaryType: "AttributionReport",
        message: report,
      }),
    ).toBe(vector.digest);
    expect(
      hashAttributionReport({
        chainId: vector.domain.chainId,
        market: vector.domain.verifyingContract,
        report,
      }),
    ).toBe(vector.digest);
  });

  test("a keeper's signature is the vector's and recovers the signer", async () => {
    const account = privateKeyToAccount(vector.signerPrivateKey);
    const { signer, signature } = await signAttributionReport(account, {
      chainId: vector.domain.chainId,
      market: vector.domain.verifyingContract,
      report,
    });
    expect(signer).toBe(vector.signer);
    expect(signature).toBe(vector.signature);
    const recovered = await recoverTypedDataAddress({
      domain,
      types: attributionReportTypes,
      primaryType: "AttributionReport",
      message: report,
      signature,
    });
    expect(recovered).toBe(vector.signer);
  });

  test("changing any weight changes the digest", () => {
    const changed = {
      ...report,
      attributions: report.attributions.map((a, i) => (i === 0 ? { ...a, weightBps: a.weightBps + 1 } : a)),
    };
    expect(
      hashAttributionReport({
        chainId: vector.domain.chainId,
        market: vector.domain.verifyingContract,
        report: changed,
      }),
    ).not.toBe(vector.digest);
  });
});

const eip712DomainFields = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
] as const;
