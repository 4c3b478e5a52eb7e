import "@mantine/core/styles.css";
import "@mantine/charts/styles.css";
import {
  type CSSVariablesResolver,
  createTheme,
  darken,
  defaultVariantColorsResolver,
  MantineProvider,
  parseThemeColor,
  type VariantColorsResolver,
} from "@mantine/core";
import { createPayableWagmiConfig } from "@payable-ai/sdk/wagmi";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";
import { Provider as UrqlProvider } from "urql";
import { WagmiProvider } from "wagmi";
import { AppProvider } from "./app.js";
import { chainOf } from "./chain.js";
import { Layout } from "./components/Layout.js";
import { loadConfig } from "./config.js";
import { indexerClient } from "./indexer.js";
import { routes } from "./routes.js";
import { WalletProvider } from "./wallet.js";

const config = await loadConfig();
const wagmiConfig = createPayableWagmiConfig({ chain: chainOf(config), rpcUrl: config.rpcUrl });
const queryClient = new QueryClient();
const router = createBrowserRouter([{ path: "/", element: <Layout />, children: routes }]);
// Mantine's default shades put white on indigo, green or red, and coloured text on light tints, below
// the WCAG AA contrast ratio (4.5:1); the app darkens them until they pass.
const variantColorResolver: VariantColorsResolver = (input) => {
  const defaults = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color || input.theme.primaryColor, theme: input.theme });
  const darkest = parsed.isThemeColor ? input.theme.colors[parsed.color]?.[9] : undefined;
  if (!darkest || parsed.color === "gray" || parsed.color === "dark") return defaults;
  if (input.variant === "filled")
    return { ...defaults, background: darken(darkest, 0.2), hover: darken(darkest, 0.35), color: "#fff" };
  if (input.variant === "light" || input.variant === "subtle" || input.variant === "outline")
    return { ...defaults, color: darken(darkest, 0.35) };
  return defaults;
};
const theme = createTheme({
  primaryColor: "indigo",
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: "md",
  variantColorResolver,
});
const resolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    "--mantine-color-placeholder": "var(--mantine-color-gray-7)",
    "--mantine-color-anchor": "var(--mantine-color-indigo-9)",
    "--mantine-primary-color-light-color": "var(--mantine-color-indigo-9)",
  },
  dark: {},
});

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={resolver}>
      <WagmiProvider config={wagmiConfig}>
        <QueryClientProvider client={queryClient}>
          <UrqlProvider value={indexerClient}>
            <AppProvider config={config}>
              <WalletProvider config={config}>
                <RouterProvider router={router} />
              </WalletProvider>
            </AppProvider>
          </UrqlProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </MantineProvider>
  </StrictMode>,
);
