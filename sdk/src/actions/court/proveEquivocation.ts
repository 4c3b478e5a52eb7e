import type { Address, Hex } from "viem";
import type { AttributionReport } from "../../eip712.js";
import type { ContractRevertedErrorType } from "../../errors/contract.js";
import { reportCourtAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type TransactionRevertedError,
  type WalletClientWithAccount,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type ProveEquivocationParameters = {
  contracts: ContractsOf<"ReportCourt">;
  /** Two different reports of one request and round… */
  reportA: AttributionReport;
  /** …each signed by the same keeper (65-byte signatures, as `signAttributionReport` makes). */
  signatureA: Hex;
  reportB: AttributionReport;
  signatureB: Hex;
};
export type ProveEquivocationReturnType = WriteReturnType & {
  /** The keeper that signed both reports. */
  keeper: Address;
  /** OPEN slashed: zero when this equivocation (keeper, request, round) was already slashed. */
  slashed: bigint;
  round: number;
  digestA: Hex;
  digestB: Hex;
};
export type ProveEquivocationErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Proves that one keeper signed two different reports of one request and round, whatever the
 * request's status and however late, and slashes it once for that round (the challenger's part
 * goes to the caller unless the caller is that keeper).
 *
 * @example
 * const { keeper, slashed } = await proveEquivocation(wallet, {
 *   contracts, reportA, signatureA: a.signature, reportB, signatureB: b.signature,
 * })
 */
export async function proveEquivocation(
  client: WalletClientWithAccount,
  { contracts, reportA, signatureA, reportB, signatureB }: ProveEquivocationParameters,
): Promise<ProveEquivocationReturnType> {
  const address = contracts.ReportCourt;
  const result = await writeAndWait(client, {
    address,
    abi: reportCourtAbi,
    functionName: "proveEquivocation",
    args: [reportA, signatureA, reportB, signatureB],
  });
  const { args } = eventOf(result.receipt, reportCourtAbi, "EquivocationProven", address);
  return {
    ...result,
    keeper: args.keeper,
    slashed: args.slashed,
    round: Number(args.round),
    digestA: args.digestA,
    digestB: args.digestB,
  };
}
