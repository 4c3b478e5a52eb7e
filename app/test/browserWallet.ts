import type { Wallet } from "@payable-ai/devnet";
import type { Page } from "playwright-core";
import type { Hex, TypedDataDefinition } from "viem";

type RpcError = { code: number; message: string; data?: unknown };
type Answer = { result: unknown } | { error: RpcError };

/** The EIP-1193 methods a browser wallet answers itself; everything else goes to the chain's RPC. */
const WALLET_METHODS = [
  "eth_requestAccounts",
  "eth_accounts",
  "wallet_requestPermissions",
  "wallet_getPermissions",
  "wallet_revokePermissions",
  "wallet_switchEthereumChain",
  "eth_signTypedData_v4",
  "eth_sendTransaction",
];

/**
 * A browser wallet (`window.ethereum`) for the page, as an extension would inject it: reads go
 * from the page to the chain's RPC, while the account, its EIP-712 signatures and its
 * transactions are answered outside the page with the wallet's private key.
 */
export async function injectWallet(page: Page, wallet: Wallet, rpcUrl: string): Promise<void> {
  await page.exposeFunction("__walletRequest", async (method: string, params: unknown[]): Promise<Answer> => {
    try {
      return { result: await answer(wallet, method, params) };
    } catch (error) {
      const e = error as { code?: number; shortMessage?: string; message: string };
      return { error: { code: e.code ?? -32603, message: e.shortMessage ?? e.message } };
    }
  });
  await page.addInitScript(
    ({ rpcUrl, walletMethods }) => {
      const w = window as unknown as {
        ethereum: unknown;
        __walletRequest(method: string, params: unknown[]): Promise<Answer>;
      };
      let id = 0;
      const fail = (error: RpcError) => Object.assign(new Error(error.message), error);
      w.ethereum = {
        async request({ method, params = [] }: { method: string; params?: unknown[] }) {
          if (walletMethods.includes(method)) {
            const reply = await w.__walletRequest(method, params);
            if ("error" in reply) throw fail(reply.error);
            return reply.result;
          }
          const response = await fetch(rpcUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
          });
          const body = (await response.json()) as { result?: unknown; error?: RpcError };
          if (body.error) throw fail(body.error);
          return body.result;
        },
        on() {},
        removeListener() {},
      };
    },
    { rpcUrl, walletMethods: WALLET_METHODS },
  );
}

async function answer(wallet: Wallet, method: string, params: unknown[]): Promise<unknown> {
  const { address } = wallet.account;
  switch (method) {
    case "eth_requestAccounts":
    case "eth_accounts":
      return [address];
    case "wallet_requestPermissions":
    case "wallet_getPermissions":
      return [{ parentCapability: "eth_accounts" }];
    case "wallet_revokePermissions":
    case "wallet_switchEthereumChain":
      return null;
    case "eth_signTypedData_v4": {
      const { types, domain, primaryType, message } = JSON.parse(
        params[1] as string,
      ) as TypedDataDefinition & {
        types: Record<string, unknown>;
      };
      const { EIP712Domain: _, ...rest } = types;
      return wallet.account.signTypedData?.({ types: rest, domain, primaryType, message } as never);
    }
    case "eth_sendTransaction": {
      const tx = params[0] as { to: Hex; data?: Hex; value?: Hex; gas?: Hex };
      return wallet.sendTransaction({
        to: tx.to,
        data: tx.data,
        value: tx.value === undefined ? undefined : BigInt(tx.value),
        gas: tx.gas === undefined ? undefined : BigInt(tx.gas),
      });
    }
    default:
      throw new Error(`the wallet does not answer ${method}`);
  }
}
