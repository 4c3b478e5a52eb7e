/** What the app reads from a datanet's or a model's metadata URI. */
export type Metadata = {
  name?: string;
  description?: string;
  format?: string;
  baseModel?: string;
  /** `blob:0x…` of the model's training manifest. */
  trainingManifest?: string;
  training?: { job?: string; steps?: number; contributions?: number };
};

/** Reads `data:application/json,…` metadata; other URIs (ipfs:, https:) are shown as links instead. */
export function parseMetadata(uri: string | null | undefined): Metadata | null {
  if (!uri?.startsWith("data:application/json,")) return null;
  try {
    const value = JSON.parse(decodeURIComponent(uri.slice("data:application/json,".length)));
    return typeof value === "object" && value !== null ? (value as Metadata) : null;
  } catch {
    return null;
  }
}

/** A datanet's or model's name: from its metadata, else `Datanet 3`. */
export function nameOf(
  kind: "Datanet" | "Model",
  id: string | bigint,
  uri: string | null | undefined,
): string {
  return parseMetadata(uri)?.name ?? `${kind} ${id}`;
}

/** Builds the metadata URI a new datanet is created with. */
export function metadataUri(metadata: Metadata): string {
  return `data:application/json,${encodeURIComponent(JSON.stringify(metadata))}`;
}
