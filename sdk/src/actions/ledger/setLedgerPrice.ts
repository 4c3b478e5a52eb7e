import type { ContractRevertedErrorType } from "../../errors/contract.js";
import { usageLedgerAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type TransactionRevertedError,
  type WalletClientWithAccount,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type SetLedgerPriceParameters = {
  contracts: ContractsOf<"UsageLedger">;
  modelId: bigint;
  /** OPEN wei per call. */
  perRequest: bigint;
  /** OPEN wei per prompt token. */
  perInputToken: bigint;
  /** OPEN wei per generated token. */
  perOutputToken: bigint;
};
export type SetLedgerPriceReturnType = WriteReturnType;
export type SetLedgerPriceErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Sets a model's metered price on the ledger; only its owner. All three zero falls back to the
 * ModelRegistry's price per request.
 *
 * @example
 * await setLedgerPrice(wallet, { contracts, modelId, perRequest: 0n, perInputToken: parseEther("0.00001"), perOutputToken: parseEther("0.00003") })
 */
export async function setLedgerPrice(
  client: WalletClientWithAccount,
  { contracts, modelId, perRequest, perInputToken, perOutputToken }: SetLedgerPriceParameters,
): Promise<SetLedgerPriceReturnType> {
  return writeAndWait(client, {
    address: contracts.UsageLedger,
    abi: usageLedgerAbi,
    functionName: "setPrice",
    args: [modelId, perRequest, perInputToken, perOutputToken],
  });
}
