import { Anchor, Code, Text, Tooltip } from "@mantine/core";
import { useApp } from "../app.js";
import { formatOpen, shortHex } from "../format.js";
import { demoAddress } from "../wallet.js";

/** An amount of OPEN, never wei. */
export function Open({ wei, testId }: { wei: bigint | string | null | undefined; testId?: string }) {
  return (
    <Text span fw={500} data-testid={testId} style={{ whiteSpace: "nowrap" }}>
      {formatOpen(wei)}
    </Text>
  );
}

/** An address, shortened, with the demo role when it is a demo account. */
export function AddressText({ address }: { address: string | null | undefined }) {
  const { config } = useApp();
  if (!address) return <Text span>—</Text>;
  const demo = config.demoAccounts.find((a) => demoAddress(a).toLowerCase() === address.toLowerCase());
  return (
    <Tooltip label={address}>
      <Text span ff="monospace" size="sm" data-address={address}>
        {shortHex(address)}
        {demo && (
          <Text span c="dimmed" size="xs" ff="sans-serif">
            {" "}
            ({demo.label})
          </Text>
        )}
      </Text>
    </Tooltip>
  );
}

/** A hash shown short, selectable in full. */
export function HashText({ hash }: { hash: string | null | undefined }) {
  if (!hash) return <Text span>—</Text>;
  return (
    <Tooltip label={hash}>
      <Code style={{ wordBreak: "break-all" }}>{shortHex(hash, 6)}</Code>
    </Tooltip>
  );
}

/** A `blob:0x…` URI as a link through the gateway, other URIs as text. */
export function UriLink({ uri, children }: { uri: string; children?: React.ReactNode }) {
  const blob = /^blob:0x([0-9a-fA-F]{64})$/.exec(uri);
  if (blob) return <Anchor href={`/api/gateway/blobs/${blob[1]}`}>{children ?? shortHex(uri, 8)}</Anchor>;
  if (/^https?:\/\//.test(uri)) return <Anchor href={uri}>{children ?? uri}</Anchor>;
  return (
    <Text span size="sm" style={{ wordBreak: "break-all" }}>
      {children ?? uri}
    </Text>
  );
}
