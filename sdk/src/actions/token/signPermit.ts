import { type Address, type Hex, parseSignature } from "viem";
import { getChainId, readContract, signTypedData } from "viem/actions";
import { openTokenAbi } from "../../generated/abis.js";
import type { ReadErrorType, WalletClientWithAccount } from "../internal/write.js";

export type SignPermitParameters = {
  token: Address;
  spender: Address;
  value: bigint;
  /** Unix seconds; one hour from now by default. */
  deadline?: bigint | undefined;
};
export type SignPermitReturnType = { deadline: bigint; v: number; r: Hex; s: Hex; signature: Hex };

export type SignPermitErrorType = ReadErrorType;

/**
 * Signs an EIP-2612 permit for OPEN so that a contract can pull `value` in the same
 * transaction as the call that needs it (no separate approval).
 *
 * @example
 * const permit = await signPermit(wallet, { token: contracts.OpenToken, spender: contracts.InferenceMarket, value: fee })
 */
export async function signPermit(
  client: WalletClientWithAccount,
  { token, spender, value, deadline }: SignPermitParameters,
): Promise<SignPermitReturnType> {
  const owner = client.account.address;
  const [name, nonce, chainId] = await Promise.all([
    readContract(client, { address: token, abi: openTokenAbi, functionName: "name" }),
    readContract(client, { address: token, abi: openTokenAbi, functionName: "nonces", args: [owner] }),
    getChainId(client),
  ]);
  const expiry = deadline ?? BigInt(Math.floor(Date.now() / 1000) + 3600);
  const signature = await signTypedData(client, {
    account: client.account,
    domain: { name, version: "1", chainId, verifyingContract: token },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner, spender, value, nonce, deadline: expiry },
  });
  const { v, r, s, yParity } = parseSignature(signature);
  return { deadline: expiry, v: Number(v ?? BigInt(yParity + 27)), r, s, signature };
}
