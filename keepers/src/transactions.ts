import { BaseError, protocolErrorsAbi, toContractError } from "@payable-ai/sdk";
import type { Logger } from "pino";
import type {
  Abi,
  Account,
  Address,
  Chain,
  Hex,
  PublicClient,
  TransactionReceipt,
  Transport,
  WalletClient,
} from "viem";
import type { KeeperMetrics } from "./metrics.js";

/**
 * How much gas a keeper transaction gets. A bare estimate is not enough: the cost of
 * `finalize` depends on the timestamp of the block that mines it (the timestamp-clock votes
 * it mints), so the estimate is padded, and a transaction that still runs out is sent again
 * with twice its gas, up to the block gas limit.
 */
export type GasPolicy = {
  /** Multiplier applied to the estimate, in percent (130 = ×1.3). */
  multiplierPercent: bigint;
  /** Gas added after the multiplier. */
  margin: bigint;
  /** Times an out-of-gas transaction is sent again with more gas. */
  outOfGasRetries: number;
};

export const defaultGasPolicy: GasPolicy = { multiplierPercent: 130n, margin: 50_000n, outOfGasRetries: 2 };

/** The gas limit for an `estimate`: padded by the policy, never above the block gas limit. */
export function gasLimitFor(estimate: bigint, policy: GasPolicy, blockGasLimit: bigint): bigint {
  const padded = (estimate * policy.multiplierPercent + 99n) / 100n + policy.margin;
  return padded < blockGasLimit ? padded : blockGasLimit;
}

/**
 * Whether a receipt is that of a transaction that ran out of gas: it reverted having used
 * at least 63/64 of its limit (an inner call that runs out leaves the caller only 1/64).
 */
export function ranOutOfGas(
  receipt: Pick<TransactionReceipt, "status" | "gasUsed">,
  gasLimit: bigint,
): boolean {
  return receipt.status === "reverted" && receipt.gasUsed * 64n >= gasLimit * 63n;
}

export class TransactionRevertedError extends BaseError {
  override name = "TransactionRevertedError";
  constructor(
    message: string,
    readonly hash: Hex,
    readonly outOfGas: boolean,
  ) {
    super(message);
  }
}

export type ContractCall = { address: Address; abi: Abi; functionName: string; args: readonly unknown[] };

export type SendParameters = {
  publicClient: PublicClient<Transport, Chain | undefined>;
  wallet: WalletClient<Transport, Chain | undefined, Account>;
  call: ContractCall;
  policy?: GasPolicy;
  /** Waits for the receipt of a sent transaction (and whatever confirmation the caller needs). */
  receipt: (hash: Hex) => Promise<TransactionReceipt>;
  /** Called with each hash as soon as it is sent, before its receipt. */
  onSent?: (hash: Hex) => Promise<void>;
  metrics?: KeeperMetrics;
  logger?: Logger;
};

/**
 * Simulates a call (a revert surfaces as the contract's custom error before gas is spent),
 * sends it with headroom over its estimate and waits for its receipt. A transaction that
 * reverts is logged at error level and counted; one that ran out of gas is simulated and
 * sent again with twice its gas while the policy allows.
 */
export async function sendContractTransaction(
  parameters: SendParameters,
): Promise<{ hash: Hex; receipt: TransactionReceipt }> {
  const { publicClient, wallet, call, metrics, logger } = parameters;
  const policy = parameters.policy ?? defaultGasPolicy;
  const kind = call.functionName;
  let floor = 0n;
  for (let attempt = 0; ; attempt++) {
    let hash: Hex;
    let gas: bigint;
    let blockGasLimit: bigint;
    try {
      const { request } = await publicClient.simulateContract({ ...call, account: wallet.account } as never);
      const [estimate, block] = await Promise.all([
        publicClient.estimateContractGas({ ...call, account: wallet.account } as never),
        publicClient.getBlock({ blockTag: "latest" }),
      ]);
      blockGasLimit = block.gasLimit;
      gas = gasLimitFor(estimate, policy, blockGasLimit);
      if (gas < floor) gas = floor < blockGasLimit ? floor : blockGasLimit;
      hash = await wallet.writeContract({ ...(request as object), gas } as never);
    } catch (error) {
      throw toContractError(error, protocolErrorsAbi);
    }
    await parameters.onSent?.(hash);
    const receipt = await parameters.receipt(hash);
    if (receipt.status === "success") return { hash, receipt };
    const outOfGas = ranOutOfGas(receipt, gas);
    metrics?.transactionsReverted.inc({ kind });
    const retry = outOfGas && attempt < policy.outOfGasRetries && gas < blockGasLimit;
    logger?.error(
      {
        kind,
        hash,
        block: String(receipt.blockNumber),
        gasUsed: String(receipt.gasUsed),
        gasLimit: String(gas),
        outOfGas,
        attempt,
        retry,
      },
      retry ? "transaction ran out of gas; sending it again with more gas" : "transaction reverted on-chain",
    );
    if (!retry) {
      throw new TransactionRevertedError(
        `${kind} transaction ${hash} reverted in block ${receipt.blockNumber}` +
          (outOfGas ? ` out of gas (used ${receipt.gasUsed} of ${gas})` : ""),
        hash,
        outOfGas,
      );
    }
    floor = gas * 2n;
  }
}
