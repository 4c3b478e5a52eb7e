import type { Address, Hex, TypedDataDomain } from "viem";

/**
 * EIP-712 definitions shared by the contracts' tests, the keepers and dApps.
 * `InferenceMarket` hashes `AttributionReport` with these exact type strings;
 * change one side and the known-answer vector in `test/vectors/` fails.
 */
export const attributionReportTypes = {
  AttributionReport: [
    { name: "requestId", type: "uint256" },
    { name: "round", type: "uint16" },
    { name: "modelId", type: "uint256" },
    { name: "outputHash", type: "bytes32" },
    { name: "outputURI", type: "string" },
    { name: "attributionVersion", type: "uint32" },
    { name: "attributions", type: "Attribution[]" },
  ],
  Attribution: [
    { name: "contributionId", type: "uint256" },
    { name: "weightBps", type: "uint16" },
  ],
} as const;

export type Attribution = { contributionId: bigint; weightBps: number };

export type AttributionReport = {
  requestId: bigint;
  /** The request's round: 0, one more each time a report is voided (`getRequest(id).round`). */
  round: number;
  modelId: bigint;
  outputHash: Hex;
  outputURI: string;
  /**
   * The keeper that submits the report and takes the executor's share; not signed (it is not in
   * `attributionReportTypes`): the market's schedule names it, and any scheduled signer may submit
   * the answer the quorum signed.
   */
  executor: Address;
  attributionVersion: number;
  attributions: readonly Attribution[];
};

export function inferenceMarketDomain(chainId: number, market: Address): TypedDataDomain {
  return { name: "PayableAI InferenceMarket", version: "1", chainId, verifyingContract: market };
}

/**
 * A data gateway download session: the account proves it controls its key, the
 * gateway checks `hasAccess` on-chain. `nonce` is single use; `expiresAt` is unix seconds.
 */
export const dataAccessRequestTypes = {
  DataAccessRequest: [
    { name: "account", type: "address" },
    { name: "datanetId", type: "uint256" },
    { name: "nonce", type: "bytes32" },
    { name: "expiresAt", type: "uint64" },
  ],
} as const;

export type DataAccessRequest = { account: Address; datanetId: bigint; nonce: Hex; expiresAt: bigint };

export function dataGatewayDomain(chainId: number, datanetRegistry: Address): TypedDataDomain {
  return { name: "PayableAI DataGateway", version: "1", chainId, verifyingContract: datanetRegistry };
}
