import { Badge, Button, Group, Select, Stack, Text } from "@mantine/core";
import type { Address } from "viem";
import { useApp } from "../app.js";
import { shortHex } from "../format.js";
import { demoAddress, useWallet } from "../wallet.js";
import { ErrorText } from "./feedback.js";

/** On the local network: the demo accounts by role; anywhere: the browser wallet. */
export function AccountPicker() {
  const { config } = useApp();
  const { signer, chooseDemo, connectInjected, disconnect, connectError } = useWallet();
  const options = config.demoAccounts.map((a) => ({
    value: demoAddress(a),
    label: `${a.label} · ${shortHex(demoAddress(a))}`,
  }));
  return (
    <Stack gap="xs">
      {config.local && (
        <Select
          label="Act as a demo account"
          description="Well-known keys of the local network, one per role"
          placeholder="Choose a role"
          data={options}
          value={signer?.kind === "demo" ? signer.address : null}
          onChange={(value) => chooseDemo(value as Address | null)}
          clearable
          aria-label="demo account"
        />
      )}
      <Group gap="xs">
        {signer?.kind === "injected" ? (
          <Button variant="light" size="xs" onClick={disconnect}>
            Disconnect wallet
          </Button>
        ) : (
          <Button variant="light" size="xs" onClick={connectInjected}>
            Connect browser wallet
          </Button>
        )}
      </Group>
      <ErrorText error={connectError} />
      {signer ? (
        <Text size="sm" component="div" data-testid="account" data-address={signer.address}>
          Acting as{" "}
          <Badge variant="light" size="sm">
            {signer.label}
          </Badge>{" "}
          <Text span ff="monospace" size="xs" style={{ wordBreak: "break-all" }}>
            {signer.address}
          </Text>
        </Text>
      ) : (
        <Text size="sm" c="dimmed" data-testid="account">
          No account chosen: you can browse; actions need an account.
        </Text>
      )}
      {signer?.role && (
        <Text size="xs" c="dimmed">
          {config.demoAccounts.find((a) => demoAddress(a) === signer.address)?.description}
        </Text>
      )}
    </Stack>
  );
}
