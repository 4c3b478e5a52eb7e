import { randomBytes } from "node:crypto";
import { type DataAccessRequest, dataAccessRequestTypes, dataGatewayDomain } from "@payable-ai/sdk";
import type { DatanetChain } from "@payable-ai/sdk/testing";
import { type PrivateKeyAccount, toHex } from "viem";

/**
 * A data-access request by `signer`, signed for the gateway of `chain` (or `domain`), as the body
 * of `POST /sessions`. Unless given, the nonce is fresh and the request expires in ten minutes.
 */
export async function signAccessRequest(
  chain: DatanetChain,
  signer: PrivateKeyAccount,
  { datanetId, ...fields }: Partial<DataAccessRequest> & Pick<DataAccessRequest, "datanetId">,
  domain = dataGatewayDomain(chain.anvil.chainId, chain.registry),
) {
  const request: DataAccessRequest = {
    account: signer.address,
    datanetId,
    nonce: toHex(randomBytes(32)),
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
    ...fields,
  };
  const signature = await signer.signTypedData({
    domain,
    types: dataAccessRequestTypes,
    primaryType: "DataAccessRequest",
    message: request,
  });
  return {
    request: { ...request, datanetId: String(request.datanetId), expiresAt: String(request.expiresAt) },
    signature,
  };
}

/** `POST /sessions` with a JSON body. */
export function postSession(gatewayUrl: string, body: unknown): Promise<Response> {
  return fetch(`${gatewayUrl}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
