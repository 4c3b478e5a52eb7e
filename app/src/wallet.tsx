import type { WalletClientWithAccount } from "@payable-ai/sdk";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { type Account, type Address, createWalletClient, http } from "viem";
import { privateKeyToAccount, toAccount } from "viem/accounts";
import { useAccount, useConfig, useConnect, useDisconnect } from "wagmi";
import { getWalletClient } from "wagmi/actions";
import { chainOf } from "./chain.js";
import type { AppConfig, DemoAccount } from "./config.js";

/** The account the app acts as: a demo key of the local network, or the browser wallet. */
export type Signer = {
  address: Address;
  kind: "demo" | "injected";
  /** `Datanet owner`, or `Browser wallet`. */
  label: string;
  role: DemoAccount["role"] | undefined;
  /** Sends the SDK's write actions. */
  client: WalletClientWithAccount;
  /** Signs typed data (gateway access requests) and messages. */
  account: Account;
};

type WalletState = {
  signer: Signer | null;
  /** Selects a demo account by address, or null to act as nobody. */
  chooseDemo(address: Address | null): void;
  connectInjected(): Promise<void>;
  disconnect(): void;
  /** Why the browser wallet could not connect, in words. */
  connectError: string | null;
  hasInjected: boolean;
};

const WalletContext = createContext<WalletState | null>(null);

export function useWallet(): WalletState {
  const state = useContext(WalletContext);
  if (!state) throw new Error("useWallet outside WalletProvider");
  return state;
}

const STORAGE_KEY = "payable-ai.demo-account";

export function demoAddress(account: DemoAccount): Address {
  return privateKeyToAccount(account.privateKey).address;
}

/** Holds the chosen signer; the demo account survives a reload, the browser wallet reconnects itself. */
export function WalletProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const wagmiConfig = useConfig();
  const { connectAsync, connectors } = useConnect();
  const { disconnect: disconnectWagmi } = useDisconnect();
  const { address: injectedAddress, isConnected } = useAccount();
  const chain = useMemo(() => chainOf(config), [config]);
  const [demo, setDemo] = useState<Address | null>(() => {
    const saved = config.local ? localStorage.getItem(STORAGE_KEY) : null;
    return saved && config.demoAccounts.some((a) => demoAddress(a) === saved) ? (saved as Address) : null;
  });
  const [injected, setInjected] = useState<Signer | null>(null);
  const [connectError, setConnectError] = useState<string | null>(null);
  const hasInjected = typeof window !== "undefined" && "ethereum" in window && Boolean(window.ethereum);

  const demoSigner = useMemo((): Signer | null => {
    const entry = config.demoAccounts.find((a) => demoAddress(a) === demo);
    if (!entry) return null;
    const account = privateKeyToAccount(entry.privateKey);
    return {
      address: account.address,
      kind: "demo",
      label: entry.label,
      role: entry.role,
      account,
      client: createWalletClient({ account, chain, transport: http(config.rpcUrl), pollingInterval: 250 }),
    };
  }, [config, chain, demo]);

  useEffect(() => {
    let cancelled = false;
    if (!isConnected || !injectedAddress) {
      setInjected(null);
      return;
    }
    getWalletClient(wagmiConfig).then((client) => {
      if (cancelled) return;
      const account = toAccount({
        address: injectedAddress,
        signMessage: ({ message }) => client.signMessage({ account: injectedAddress, message }),
        signTransaction: () =>
          Promise.reject(new Error("the browser wallet signs and sends transactions itself")),
        signTypedData: (typed) =>
          client.signTypedData({
            ...(typed as Parameters<typeof client.signTypedData>[0]),
            account: injectedAddress,
          }),
      });
      setInjected({
        address: injectedAddress,
        kind: "injected",
        label: "Browser wallet",
        role: undefined,
        account,
        client: client as unknown as WalletClientWithAccount,
      });
    });
    return () => {
      cancelled = true;
    };
  }, [isConnected, injectedAddress, wagmiConfig]);

  const chooseDemo = useCallback(
    (address: Address | null) => {
      if (address) {
        localStorage.setItem(STORAGE_KEY, address);
        if (isConnected) disconnectWagmi();
      } else localStorage.removeItem(STORAGE_KEY);
      setDemo(address);
    },
    [isConnected, disconnectWagmi],
  );

  const connectInjected = useCallback(async () => {
    setConnectError(null);
    if (!hasInjected) {
      setConnectError(
        config.local
          ? "No browser wallet was found. Install one (such as MetaMask), or pick a demo account of the local network."
          : "No browser wallet was found. Install one (such as MetaMask) and reload the page.",
      );
      return;
    }
    try {
      const connector = connectors[0];
      if (!connector) throw new Error("no wallet connector is configured");
      await connectAsync({ connector, chainId: config.chainId });
      localStorage.removeItem(STORAGE_KEY);
      setDemo(null);
    } catch (error) {
      const e = error as { shortMessage?: string; message?: string };
      setConnectError(
        `The browser wallet did not connect: ${(e.shortMessage ?? e.message ?? "").split("\n")[0]}`,
      );
    }
  }, [hasInjected, config, connectors, connectAsync]);

  const disconnect = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setDemo(null);
    if (isConnected) disconnectWagmi();
  }, [isConnected, disconnectWagmi]);

  const signer = demoSigner ?? injected;
  const value = useMemo(
    () => ({ signer, chooseDemo, connectInjected, disconnect, connectError, hasInjected }),
    [signer, chooseDemo, connectInjected, disconnect, connectError, hasInjected],
  );
  return <WalletContext.Provider value={value}>{children}</WalletContext.Provider>;
}
