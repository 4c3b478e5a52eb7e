import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { App } from "./App.js";
import { api } from "./api.js";
import { wagmiConfig } from "./wallet.js";

const domain = await api.domain();
const queryClient = new QueryClient();
createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <WagmiProvider config={wagmiConfig(domain)}>
      <QueryClientProvider client={queryClient}>
        <App domain={domain} />
      </QueryClientProvider>
    </WagmiProvider>
  </StrictMode>,
);
