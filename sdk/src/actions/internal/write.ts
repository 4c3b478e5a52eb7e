import type { BaseErrorType as ViemBaseErrorType } from "viem";
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Client,
  type ContractEventName,
  type Hash,
  type Log,
  type ParseEventLogsReturnType,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { BaseError } from "../../errors/base.js";
import { type ContractRevertedErrorType, toContractError } from "../../errors/contract.js";
import { protocolErrorsAbi } from "../../protocolAbi.js";

/** A client that signs and sends transactions: a viem wallet client with an account. */
export type WalletClientWithAccount = Client<Transport, Chain | undefined, Account>;

/** What every write action returns besides its own decoded result. */
export type WriteReturnType = { hash: Hash; receipt: TransactionReceipt };

export class TransactionRevertedError extends BaseError {
  override name = "TransactionRevertedError";
}
export type TransactionRevertedErrorType = TransactionRevertedError;

/**
 * What a write action throws: the revert decoded into its custom error (`ContractRevertedError`,
 * caught before gas is spent), a transaction mined as reverted, or viem's own error (RPC,
 * signing, timeouts).
 */
export type WriteErrorType = ContractRevertedErrorType | TransactionRevertedErrorType | ViemBaseErrorType;

/** What a read action throws: a decoded revert or viem's own error. */
export type ReadErrorType = ContractRevertedErrorType | ViemBaseErrorType;

/**
 * Simulates a call (so a revert is reported with its custom error before gas is spent), sends
 * it, waits for the receipt and throws decoded errors.
 */
export async function writeAndWait(
  client: WalletClientWithAccount,
  call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] },
): Promise<WriteReturnType> {
  try {
    const { request } = await simulateContract(client, {
      ...call,
      account: client.account,
      chain: client.chain,
    } as never);
    const hash = await writeContract(client, request as never);
    const receipt = await waitForTransactionReceipt(client, { hash });
    if (receipt.status !== "success") {
      throw new TransactionRevertedError(`${call.functionName} reverted on-chain.`, {
        metaMessages: [`Transaction: ${hash}`],
      });
    }
    return { hash, receipt };
  } catch (error) {
    throw toContractError(error, protocolErrorsAbi);
  }
}

/** The events named `eventName` that `address` emitted in a receipt. */
export function eventsOf<const abi extends Abi, eventName extends ContractEventName<abi>>(
  receipt: TransactionReceipt,
  abi: abi,
  eventName: eventName,
  address: Address,
): ParseEventLogsReturnType<abi, eventName, true> {
  const logs = receipt.logs.filter((log: Log) => log.address.toLowerCase() === address.toLowerCase());
  return parseEventLogs({ abi, logs, eventName: eventName as never }) as never;
}

/** The first event named `eventName`; throws when the receipt has none. */
export function eventOf<const abi extends Abi, eventName extends ContractEventName<abi>>(
  receipt: TransactionReceipt,
  abi: abi,
  eventName: eventName,
  address: Address,
): ParseEventLogsReturnType<abi, eventName, true>[number] {
  const [event] = eventsOf(receipt, abi, eventName, address);
  if (!event) {
    throw new BaseError(`Expected a ${String(eventName)} event in transaction ${receipt.transactionHash}.`);
  }
  return event;
}
