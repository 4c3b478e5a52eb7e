import { recoverTypedDataAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { dataAccessRequestTypes, dataGatewayDomain } from "../../eip712.js";
import { anvilPrivateKeys } from "../../testing/anvil.js";
import { signDataAccessRequest } from "./signDataAccessRequest.js";

const account = privateKeyToAccount(anvilPrivateKeys[5]);
const datanetRegistry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("signDataAccessRequest", () => {
  test("signs a request the gateway's domain recovers to the account", async () => {
    const { request, signature } = await signDataAccessRequest(account, {
      chainId: 31337,
      datanetRegistry,
      datanetId: 4n,
    });
    const now = BigInt(Math.floor(Date.now() / 1000));
    expect(request.account).toBe(account.address);
    expect(request.expiresAt - now).toBeGreaterThanOrEqual(599n);
    expect(request.expiresAt - now).toBeLessThanOrEqual(601n);
    const signer = await recoverTypedDataAddress({
      domain: dataGatewayDomain(31337, datanetRegistry),
      types: dataAccessRequestTypes,
      primaryType: "DataAccessRequest",
      message: request,
      signature,
    });
    expect(signer).toBe(account.address);
    const other = await recoverTypedDataAddress({
      domain: dataGatewayDomain(1, datanetRegistry),
      types: dataAccessRequestTypes,
      primaryType: "DataAccessRequest",
      message: request,
      signature,
    });
    expect(other).not.toBe(account.address);
  });

  test("uses a fresh nonce each time", async () => {
    const a = await signDataAccessRequest(account, { chainId: 31337, datanetRegistry, datanetId: 4n });
    const b = await signDataAccessRequest(account, { chainId: 31337, datanetRegistry, datanetId: 4n });
    expect(a.request.nonce).not.toBe(b.request.nonce);
    expect(a.request.nonce).toMatch(/^0x[0-9a-f]{64}$/);
  });
});
