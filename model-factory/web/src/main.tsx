import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { App } from "./App.js";
import { api } from "./api.js";
import { wagmiConfig } from "./wallet.js";

const [domain, chain] = await Promise.all([api.domain(), api.chain()]);
const queryClient = new QueryClient();
createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <WagmiProvider config={wagmiConfig(domain, chain)}>
      <QueryClientProvider client={queryClient}>
        <App domain={domain} chain={chain} />
      </QueryClientProvider>
    </WagmiProvider>
  </StrictMode>,
);
