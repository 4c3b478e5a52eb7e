import { AppShell, Burger, Group, NavLink, ScrollArea, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Outlet, NavLink as RouterLink, useLocation } from "react-router";
import { useApp } from "../app.js";
import { AccountPicker } from "./AccountPicker.js";

const PAGES = [
  { to: "/", label: "Explore", description: "Datanets, models, requests, leaderboards" },
  { to: "/datanets", label: "Datanets", description: "Contribute, curate, own, get access" },
  { to: "/factory", label: "Model Factory", description: "Fine-tune and register a model" },
  { to: "/playground", label: "Playground", description: "Ask a model, see who is paid" },
  { to: "/account", label: "Account", description: "Earnings, claims, votes" },
  { to: "/governance", label: "Governance", description: "Proposals and votes" },
  { to: "/keepers", label: "Keepers", description: "Stake, reports, earnings" },
  { to: "/graphql", label: "GraphQL", description: "Query the indexer" },
];

export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { config } = useApp();
  const { pathname } = useLocation();
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 280, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Title order={1} size="h4">
              Payable AI
            </Title>
          </Group>
          <Text size="xs" c="dimmed" data-testid="chain">
            {config.local ? "Local network" : "Chain"} · {config.chainId}
          </Text>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Pages">
        <AppShell.Section grow component={ScrollArea}>
          {PAGES.map((page) => (
            <NavLink
              key={page.to}
              component={RouterLink}
              to={page.to}
              label={page.label}
              description={page.description}
              active={page.to === "/" ? pathname === "/" : pathname.startsWith(page.to)}
              onClick={close}
              // The active link's description is faded by default, below the contrast ratio.
              styles={{ description: { opacity: 1 } }}
            />
          ))}
        </AppShell.Section>
        <AppShell.Section pt="sm" style={{ borderTop: "1px solid var(--mantine-color-gray-3)" }}>
          <AccountPicker />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main style={{ minWidth: 0 }}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
