import { type Account, type Address, type Hex, toHex } from "viem";
import { type DataAccessRequest, dataAccessRequestTypes, dataGatewayDomain } from "../../eip712.js";
import type { BaseErrorType } from "../../errors/base.js";
import { BaseError } from "../../errors/base.js";

export type SignDataAccessRequestParameters = {
  chainId: number;
  datanetRegistry: Address;
  datanetId: bigint;
  /** Seconds the download session may last; 10 minutes by default (the gateway caps it). */
  validForSeconds?: number | undefined;
  /** A fresh random nonce by default; each nonce opens one session only. */
  nonce?: Hex | undefined;
};
export type SignDataAccessRequestReturnType = { request: DataAccessRequest; signature: Hex };

export type SignDataAccessRequestErrorType = BaseErrorType;

/**
 * Signs the EIP-712 request that opens a download session on the data gateway (`POST /sessions`)
 * for a datanet the account may access (`hasAccess`, owner or contributor).
 *
 * @example
 * const { request, signature } = await signDataAccessRequest(account, {
 *   chainId, datanetRegistry: contracts.DatanetRegistry, datanetId,
 * })
 */
export async function signDataAccessRequest(
  account: Account,
  { chainId, datanetRegistry, datanetId, validForSeconds = 600, nonce }: SignDataAccessRequestParameters,
): Promise<SignDataAccessRequestReturnType> {
  if (!account.signTypedData)
    throw new BaseError(`Account ${account.address} cannot sign typed data locally.`);
  const request: DataAccessRequest = {
    account: account.address,
    datanetId,
    nonce: nonce ?? toHex(crypto.getRandomValues(new Uint8Array(32))),
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + validForSeconds),
  };
  const signature = await account.signTypedData({
    domain: dataGatewayDomain(chainId, datanetRegistry),
    types: dataAccessRequestTypes,
    primaryType: "DataAccessRequest",
    message: request,
  });
  return { request, signature };
}
