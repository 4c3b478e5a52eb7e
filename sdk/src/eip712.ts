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

/**
 * A requester's signed spend with one keeper on the UsageLedger: the channel
 * `(requester, keeper)` has spent `cumulativeSpend` OPEN wei in total, valid until `expiry`
 * (unix seconds). The cumulative amount is the voucher's nonce: the ledger never settles a
 * channel twice up to the same amount.
 */
export const voucherTypes = {
  Voucher: [
    { name: "requester", type: "address" },
    { name: "keeper", type: "address" },
    { name: "cumulativeSpend", type: "uint256" },
    { name: "expiry", type: "uint64" },
  ],
} as const;

export type Voucher = { requester: Address; keeper: Address; cumulativeSpend: bigint; expiry: bigint };

/** What the keeper quorum signs for one epoch of the UsageLedger (`IUsageLedger.EpochReport`). */
export const epochReportTypes = {
  EpochReport: [
    { name: "epoch", type: "uint64" },
    { name: "root", type: "bytes32" },
    { name: "cumulativeTotal", type: "uint256" },
    { name: "spend", type: "uint256" },
    { name: "calls", type: "uint64" },
    { name: "dataURI", type: "string" },
    { name: "vouchers", type: "Voucher[]" },
  ],
  ...voucherTypes,
} as const;

export type EpochReport = {
  epoch: bigint;
  /** Root of the cumulative earnings tree (`(address, uint256)` StandardMerkleTree leaves). */
  root: Hex;
  /** Sum of the tree's leaves: everything ever debited from requesters. */
  cumulativeTotal: bigint;
  /** What this epoch's vouchers debit. */
  spend: bigint;
  calls: bigint;
  /** Where the tree and the epoch's calls are published. */
  dataURI: string;
  vouchers: readonly Voucher[];
};

export function usageLedgerDomain(chainId: number, ledger: Address): TypedDataDomain {
  return { name: "PayableAI UsageLedger", version: "1", chainId, verifyingContract: ledger };
}
