import { z } from "zod";

const sha256Hex = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, "an adapter hash is 64 hex digits (sha256, 0x optional)")
  .transform((h) => h.replace(/^0x/, "").toLowerCase());

/** One backend behind the router. */
export const nodeConfigSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, "")),
    /** Label in metrics, logs and `x-routed-to` (default: the URL's host:port). */
    name: z.string().min(1).max(64).optional(),
    /**
     * `payable`: a Payable AI inference node, whose `/v1/models` reports each adapter's sha256 and
     * residency. `openai`: any OpenAI-compatible server (vLLM, LoRAX, SGLang), which reports names
     * only; it serves the adapters of `adapters`.
     */
    kind: z.enum(["payable", "openai"]).default("payable"),
    /** For `openai` backends: on-chain adapter hash (sha256) → the backend's adapter name. */
    adapters: z.record(z.string(), z.string().min(1)).optional(),
    /** Sent as `authorization: Bearer <apiKey>` (vLLM `--api-key`). */
    apiKey: z.string().min(1).optional(),
  })
  .strict()
  .transform((node, ctx) => {
    const adapters = new Map<string, string>();
    for (const [hash, name] of Object.entries(node.adapters ?? {})) {
      const parsed = sha256Hex.safeParse(hash);
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: `"${hash}" is not a sha256`, path: ["adapters"] });
        return z.NEVER;
      }
      adapters.set(parsed.data, name);
    }
    if (node.kind === "payable" && adapters.size > 0) {
      ctx.addIssue({
        code: "custom",
        message: "adapters maps hashes for openai backends; a payable node reports its own",
        path: ["adapters"],
      });
      return z.NEVER;
    }
    return { ...node, name: node.name ?? new URL(node.url).host, adapters };
  });

export type NodeConfig = z.output<typeof nodeConfigSchema>;

export const nodeListSchema = z
  .array(nodeConfigSchema)
  .min(1, "at least one node")
  .superRefine((nodes, ctx) => {
    const names = new Set<string>();
    for (const node of nodes) {
      if (names.has(node.name))
        ctx.addIssue({ code: "custom", message: `two nodes are named "${node.name}"` });
      names.add(node.name);
    }
  });

export { sha256Hex };
