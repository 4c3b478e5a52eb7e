import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AdapterCache } from "../adapters/adapterCache.js";
import { sha256Hex } from "../adapters/adapterLoader.js";
import { type AdminAdapters, readAdapterPath } from "../adapters/adminAdapters.js";
import { SHA256_HEX } from "../adapters/blobSource.js";
import { type AdapterRegistry, RESERVED_MODEL_IDS } from "../adapters/registry.js";
import {
  AdapterConflictError,
  AdapterNotFoundError,
  AdminDisabledError,
  InvalidRequestError,
  UnauthorizedError,
} from "../errors.js";
import type { AppEnv } from "./app.js";

export interface AdminDependencies {
  /** Bearer token of the admin routes; without one they answer 403 `admin_disabled`. */
  token?: string;
  /** Adapters loaded through these routes. */
  adapters: AdminAdapters;
  /** The configured registry (file, chain): it wins on a shared id, so such ids are refused here. */
  configured: AdapterRegistry;
  cache: AdapterCache;
}

const loraName = z
  .string()
  .min(1)
  .max(256)
  .refine((id) => !RESERVED_MODEL_IDS.includes(id), {
    message: '"base" is the base model, not an adapter name',
  });

/** vLLM's body (`lora_name`, `lora_path`) and the hash our registry keys adapters by. */
export const loadAdapterSchema = z
  .object({
    lora_name: loraName,
    /** A PEFT directory (`save_pretrained`) or an adapter package file, on the node's disk. */
    lora_path: z.string().min(1).optional(),
    /** Expected sha256 of the package; without `lora_path` the blob is fetched from the blob store. */
    sha256: z
      .string()
      .transform((s) => s.toLowerCase().replace(/^0x/, ""))
      .pipe(z.string().regex(SHA256_HEX, "sha256 must be 64 hex digits"))
      .optional(),
  })
  .loose()
  .refine((body) => body.lora_path !== undefined || body.sha256 !== undefined, {
    message: "give lora_path, sha256, or both",
    path: ["lora_path"],
  });

export const unloadAdapterSchema = z.object({ lora_name: loraName }).loose();

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * `POST /v1/load_lora_adapter` and `POST /v1/unload_lora_adapter` (vLLM's routes), behind a bearer
 * token. A load registers the adapter and loads it through the same loader as every adapter
 * (sha256 verified before parsing), so it answers only once the adapter is resident or refused;
 * the batch keeps running meanwhile.
 */
export function registerAdminRoutes(
  app: Hono<AppEnv>,
  deps: AdminDependencies,
  limit: MiddlewareHandler,
): void {
  const expected = deps.token === undefined ? null : digest(deps.token);
  const authorize = (c: Context<AppEnv>) => {
    if (!expected) throw new AdminDisabledError();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer (.+)$/.exec(header);
    if (!match)
      throw new UnauthorizedError("the admin routes need an Authorization: Bearer <admin token> header");
    if (!timingSafeEqual(digest(match[1] as string), expected))
      throw new UnauthorizedError("wrong admin token");
  };
  const body = async <T>(c: Context<AppEnv>, schema: z.ZodType<T>): Promise<T> => {
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new InvalidRequestError("the request body is not valid JSON");
    }
    return schema.parse(json);
  };
  const configuredElsewhere = async (id: string) => {
    if (deps.adapters.has(id)) return false;
    return (await deps.configured.lookup(id)) !== undefined;
  };

  app.post("/v1/load_lora_adapter", limit, async (c) => {
    authorize(c);
    const request = await body(c, loadAdapterSchema);
    const id = request.lora_name;
    if (await configuredElsewhere(id)) {
      throw new AdapterConflictError(
        `"${id}" is in the node's registry, which wins over the admin API; change it there`,
      );
    }
    if (deps.adapters.has(id)) throw new AdapterConflictError(`"${id}" is already loaded; unload it first`);
    let bytes: Uint8Array | undefined;
    if (request.lora_path !== undefined) {
      try {
        bytes = await readAdapterPath(request.lora_path);
      } catch (error) {
        throw new InvalidRequestError(`lora_path: ${(error as Error).message}`, "lora_path");
      }
    }
    // The claimed hash, else the bytes' own: the loader checks the bytes against it either way.
    const sha256 = request.sha256 ?? sha256Hex(bytes as Uint8Array);
    deps.adapters.add({ id, sha256 }, bytes);
    try {
      const adapter = await deps.cache.get(id, sha256);
      return c.json({ object: "lora_adapter", id, sha256, rank: adapter.rank, resident: true }, 200);
    } catch (error) {
      deps.adapters.remove(id);
      throw error;
    }
  });

  app.post("/v1/unload_lora_adapter", limit, async (c) => {
    authorize(c);
    const { lora_name: id } = await body(c, unloadAdapterSchema);
    if (await configuredElsewhere(id)) {
      throw new AdapterConflictError(
        `"${id}" comes from the node's registry, not the admin API; remove it there`,
      );
    }
    const record = deps.adapters.remove(id);
    if (!record) throw new AdapterNotFoundError(id);
    // Rows already decoding with it keep their copy and finish; new requests get 404.
    deps.cache.drop(id);
    return c.json({ object: "lora_adapter", id, sha256: record.sha256, resident: false }, 200);
  });
}
