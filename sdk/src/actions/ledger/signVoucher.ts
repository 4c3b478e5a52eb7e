import { type Account, type Address, type Hex, hashTypedData } from "viem";
import { usageLedgerDomain, type Voucher, voucherTypes } from "../../eip712.js";
import type { BaseErrorType } from "../../errors/base.js";
import { BaseError } from "../../errors/base.js";

export type VoucherSigningParameters = { chainId: number; ledger: Address; voucher: Voucher };

/**
 * The EIP-712 digest the ledger verifies for a voucher (`UsageLedger.hashVoucher`).
 *
 * @example
 * const digest = hashVoucher({ chainId, ledger: contracts.UsageLedger, voucher })
 */
export function hashVoucher({ chainId, ledger, voucher }: VoucherSigningParameters): Hex {
  return hashTypedData({
    domain: usageLedgerDomain(chainId, ledger),
    types: voucherTypes,
    primaryType: "Voucher",
    message: voucher,
  });
}

export type SignVoucherErrorType = BaseErrorType;

/**
 * A requester's signature over a voucher, sent with each metered API call: the cumulative
 * spend with that keeper after the call.
 *
 * @example
 * const voucher = { requester: account.address, keeper, cumulativeSpend: spent + cost, expiry }
 * const signature = await signVoucher(account, { chainId, ledger: contracts.UsageLedger, voucher })
 */
export async function signVoucher(
  account: Account,
  { chainId, ledger, voucher }: VoucherSigningParameters,
): Promise<Hex> {
  if (account.address.toLowerCase() !== voucher.requester.toLowerCase()) {
    throw new BaseError(`Account ${account.address} cannot sign a voucher of ${voucher.requester}.`);
  }
  if (!account.signTypedData)
    throw new BaseError(`Account ${account.address} cannot sign typed data locally.`);
  return account.signTypedData({
    domain: usageLedgerDomain(chainId, ledger),
    types: voucherTypes,
    primaryType: "Voucher",
    message: voucher,
  });
}
