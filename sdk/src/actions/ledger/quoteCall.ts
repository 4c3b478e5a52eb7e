import type { Chain, Client, Transport } from "viem";
import { readContract } from "viem/actions";
import { type ContractRevertedErrorType, toContractError } from "../../errors/contract.js";
import { usageLedgerAbi } from "../../generated/abis.js";
import { protocolErrorsAbi } from "../../protocolAbi.js";
import type { ContractsOf } from "../internal/types.js";

export type QuoteCallParameters = {
  contracts: ContractsOf<"UsageLedger">;
  modelId: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
};
export type QuoteCallReturnType = {
  /** OPEN wei the call costs. */
  cost: bigint;
  /** The model's ledger price (the ModelRegistry's price per request when its owner set none). */
  price: { perRequest: bigint; perInputToken: bigint; perOutputToken: bigint };
};
export type QuoteCallErrorType = ContractRevertedErrorType;

/**
 * The cost of one metered call of a model: its price per request plus its prices per prompt and
 * generated token (`LedgerModelNotRequestable` for a paused, retired or delisted model).
 *
 * @example
 * const { cost } = await quoteCall(client, { contracts, modelId, inputTokens: 120n, outputTokens: 40n })
 */
export async function quoteCall(
  client: Client<Transport, Chain | undefined>,
  { contracts, modelId, inputTokens, outputTokens }: QuoteCallParameters,
): Promise<QuoteCallReturnType> {
  const address = contracts.UsageLedger;
  try {
    const [cost, price] = await Promise.all([
      readContract(client, {
        address,
        abi: usageLedgerAbi,
        functionName: "quote",
        args: [modelId, inputTokens, outputTokens],
      }),
      readContract(client, { address, abi: usageLedgerAbi, functionName: "priceOf", args: [modelId] }),
    ]);
    return { cost, price };
  } catch (error) {
    throw toContractError(error, protocolErrorsAbi);
  }
}
