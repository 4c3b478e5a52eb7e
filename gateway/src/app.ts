import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import { type Logger, pino } from "pino";
import type { Address } from "viem";
import { ZodError, type z } from "zod";
import {
  type AccessChecker,
  ChainUnavailableError,
  ContributionNotFoundError,
  DatanetNotFoundError,
} from "./accessChecker.js";
import {
  BlobCorruptedError,
  type BlobId,
  type BlobStore,
  blobIdOf,
  blobIdToContentHash,
  InvalidBlobIdError,
} from "./blobstore/blobStore.js";
import {
  badRequest,
  forbidden,
  GatewayError,
  notFound,
  payloadTooLarge,
  shuttingDown,
  unauthorized,
} from "./errors.js";
import { GatewayMetrics } from "./metrics.js";
import type { NonceStore } from "./nonceStore.js";
import { blobIdParam, contributionParams, openSessionBody, visibilityQuery } from "./schemas.js";
import {
  consumeAccessNonce,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_ACCOUNT,
  SessionStore,
  verifyAccessRequest,
} from "./sessions.js";
import type { BlobVisibility } from "./visibility.js";

/** The datanet submission cap of the reference system. */
export const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_SESSION_SECONDS = 24 * 60 * 60;

export type GatewayDependencies = {
  blobs: BlobStore;
  visibility: BlobVisibility;
  access: AccessChecker;
  nonces: NonceStore;
  logger?: Logger;
  /** Counters served at `/metrics`; a fresh set when left out. */
  metrics?: GatewayMetrics;
  /** Largest datanet upload (a contribution file); default 5 MiB. */
  maxUploadBytes?: number;
  /** Largest public upload (inputs, outputs, manifests, adapters); defaults to `maxUploadBytes`. */
  maxPublicUploadBytes?: number;
  maxSessionSeconds?: number;
  /** Open sessions one account may hold (default 64) and the gateway in all (default 10,000). */
  maxSessionsPerAccount?: number;
  maxSessions?: number;
  /** True once shutdown began: new requests get 503 `shutting_down`, readiness fails. */
  isDraining?: () => boolean;
  /** Unix seconds; injectable so tests can move time. */
  now?: () => number;
};

/** A request id from a client is kept when it is 1–128 printable ASCII characters without spaces. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

type Env = { Variables: { log: Logger } };

/**
 * The data gateway: content-addressed uploads, public downloads, and downloads
 * of datanet contributions for accounts that prove, by an EIP-712 signature, an
 * address with on-chain access. See keepers/README.md for the API.
 */
export function createGatewayApp(deps: GatewayDependencies): Hono<Env> {
  const logger = deps.logger ?? pino({ level: "silent" });
  const maxUploadBytes = deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const maxPublicUploadBytes = deps.maxPublicUploadBytes ?? maxUploadBytes;
  const limitOf = (visibility: "public" | "datanet") =>
    visibility === "public" ? maxPublicUploadBytes : maxUploadBytes;
  const maxSessionSeconds = deps.maxSessionSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const sessions = new SessionStore({
    maxPerAccount: deps.maxSessionsPerAccount ?? DEFAULT_MAX_SESSIONS_PER_ACCOUNT,
    maxTotal: deps.maxSessions ?? DEFAULT_MAX_SESSIONS,
  });
  const metrics = deps.metrics ?? new GatewayMetrics();
  const isDraining = deps.isDraining ?? (() => false);
  const app = new Hono<Env>();

  app.use(async (c, next) => {
    const started = performance.now();
    const sent = c.req.header("x-request-id");
    const reqId = sent !== undefined && REQUEST_ID.test(sent) ? sent : randomUUID();
    const log = logger.child({ reqId });
    c.set("log", log);
    // Health and metrics keep answering while draining, so probes see the state.
    if (isDraining() && !c.req.path.startsWith("/health") && c.req.path !== "/metrics") {
      c.header("connection", "close");
      throw shuttingDown();
    }
    await next();
    c.res.headers.set("x-request-id", reqId);
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
  });

  app.onError((error, c) => {
    const { status, code, message, details, retryAfterSeconds } = toHttpError(error);
    if (status >= 500) {
      const log = c.get("log");
      if (code === "shutting_down") log?.info({ path: c.req.path }, "refused while draining");
      else log?.error({ err: error, code }, "request failed");
      metrics.failures.inc({ route: c.req.routePath, code });
    } else metrics.refusals.inc({ route: c.req.routePath, reason: code });
    if (retryAfterSeconds !== undefined) c.header("retry-after", String(retryAfterSeconds));
    return c.json({ error: { code, message, ...(details === undefined ? {} : { details }) } }, status);
  });
  app.notFound((c) => {
    metrics.refusals.inc({ route: "unmatched", reason: "not_found" });
    return c.json({ error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}` } }, 404);
  });

  const readiness = async () => {
    const rpc = deps.access.rpcHealth?.status() ?? { ok: true };
    let blobStore: { ok: boolean; error?: string };
    try {
      await deps.blobs.checkWritable();
      blobStore = { ok: true };
    } catch (error) {
      blobStore = { ok: false, error: (error as Error).message };
    }
    const draining = isDraining();
    const ok = rpc.ok && blobStore.ok && !draining;
    metrics.ready.set(ok ? 1 : 0);
    return {
      ok,
      chainId: deps.access.chainId,
      datanetRegistry: deps.access.datanetRegistry,
      checks: { rpc, blobStore, draining },
    };
  };
  const ready = async (c: Context<Env>) => {
    const body = await readiness();
    if (!body.ok) c.get("log").warn({ checks: body.checks }, "not ready");
    return c.json(body, body.ok ? 200 : 503);
  };
  app.get("/health", ready);
  app.get("/health/ready", ready);
  app.get("/health/live", (c) =>
    c.json({ ok: true, chainId: deps.access.chainId, datanetRegistry: deps.access.datanetRegistry }),
  );

  app.get("/metrics", async (c) => {
    await readiness();
    metrics.activeSessions.set(sessions.size);
    return c.body(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType });
  });

  const store = async (content: Uint8Array, visibility: "public" | "datanet") => {
    const id = blobIdOf(content);
    // Mark before storing: a public read must never see datanet content, even for a moment.
    if (visibility === "datanet") await deps.visibility.markDatanetContent(id);
    const { created } = await deps.blobs.put(content);
    metrics.uploads.inc({ visibility, result: created ? "created" : "existing" });
    metrics.uploadBytes.inc({ visibility }, content.byteLength);
    const effective = (await deps.visibility.isDatanetContent(id)) ? "datanet" : "public";
    return {
      id,
      contentHash: blobIdToContentHash(id),
      size: content.byteLength,
      visibility: effective,
      created,
    };
  };

  app.post("/blobs", async (c) => {
    const visibility = parse(visibilityQuery, c.req.query("visibility"));
    const result = await store(await readBody(c.req.raw, limitOf(visibility)), visibility);
    return c.json(result, result.created ? 201 : 200);
  });

  app.put("/blobs/:id", async (c) => {
    const expected = parse(blobIdParam, c.req.param("id"));
    const visibility = parse(visibilityQuery, c.req.query("visibility"));
    const content = await readBody(c.req.raw, limitOf(visibility));
    const actual = blobIdOf(content);
    if (actual !== expected) {
      throw badRequest("hash_mismatch", `the body hashes to ${actual}, not to ${expected}`);
    }
    const result = await store(content, visibility);
    return c.json(result, result.created ? 201 : 200);
  });

  app.get("/blobs/:id", async (c) => {
    const id = parse(blobIdParam, c.req.param("id"));
    if (await deps.visibility.isDatanetContent(id)) {
      throw forbidden(
        "datanet_content",
        `blob ${id} is datanet content: download it as a contribution with an access session`,
      );
    }
    // Bytes never change, but a public blob turns private once it is registered as a
    // contribution, so caches keep it only briefly.
    const cacheControl = "public, max-age=60";
    if (c.req.header("if-none-match") === `"${id}"` && (await deps.blobs.has(id))) {
      metrics.downloads.inc({ kind: "public", result: "not_modified" });
      return new Response(null, { status: 304, headers: { etag: `"${id}"`, "cache-control": cacheControl } });
    }
    const content = await getBlob(deps.blobs, id);
    metrics.downloads.inc({ kind: "public", result: "served" });
    metrics.downloadBytes.inc({ kind: "public" }, content.byteLength);
    return blobResponse(content, id, cacheControl);
  });

  app.post("/sessions", async (c) => {
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw badRequest("invalid_json", "the body must be JSON");
    }
    const { request, signature } = parse(openSessionBody, json);
    await verifyAccessRequest({
      request,
      signature,
      chainId: deps.access.chainId,
      datanetRegistry: deps.access.datanetRegistry,
      now: now(),
      maxSessionSeconds,
    });
    // Hold a place before the chain is asked, so a flood is refused without RPC calls.
    const reservation = sessions.reserve(request.account, now());
    try {
      const scope = await scopeOf(deps.access, request.datanetId, request.account);
      await consumeAccessNonce(deps.nonces, request);
      const session = reservation.open(request.datanetId, Number(request.expiresAt));
      metrics.sessions.inc({ scope });
      c.get("log").info(
        { account: session.account, datanetId: String(session.datanetId), scope },
        "session opened",
      );
      return c.json(
        {
          token: session.token,
          account: session.account,
          datanetId: String(session.datanetId),
          expiresAt: session.expiresAt,
          scope,
        },
        201,
      );
    } finally {
      reservation.release();
    }
  });

  app.get("/datanets/:datanetId/contributions/:contributionId", async (c) => {
    const { datanetId, contributionId } = parse(contributionParams, c.req.param());
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (token === undefined) {
      throw unauthorized("session_required", "send `Authorization: Bearer <token>` from POST /sessions");
    }
    const session = sessions.get(token, now());
    if (session === undefined)
      throw unauthorized("session_invalid", "the session token is unknown or expired");
    if (session.datanetId !== datanetId) {
      throw forbidden("wrong_datanet", `the session is for datanet ${session.datanetId}, not ${datanetId}`);
    }
    const contribution = await deps.access.getContribution(contributionId);
    if (contribution.datanetId !== datanetId) {
      throw notFound(
        "contribution_not_in_datanet",
        `contribution ${contributionId} is not in datanet ${datanetId}`,
      );
    }
    // Checked on every download, so a revocation applies at once.
    const allowed =
      contribution.contributor === session.account ||
      (await deps.access.hasAccess(datanetId, session.account)) ||
      (await deps.access.isActiveKeeper(session.account));
    if (!allowed) {
      throw forbidden("access_denied", `${session.account} has no access to datanet ${datanetId}`);
    }
    const id = contribution.contentHash.slice(2).toLowerCase();
    c.get("log").info(
      { account: session.account, contributionId: String(contributionId) },
      "contribution served",
    );
    const content = await getBlob(deps.blobs, id);
    metrics.downloads.inc({ kind: "contribution", result: "served" });
    metrics.downloadBytes.inc({ kind: "contribution" }, content.byteLength);
    const response = blobResponse(content, id, "private, no-store");
    response.headers.set("x-contribution-uri", contribution.uri);
    return response;
  });

  return app;
}

/**
 * What a session of `account` may read, checked before it is stored: the whole
 * datanet (`hasAccess`: owner, curator, granted reader), every datanet (an active
 * keeper), or its own contributions (it contributed). Anyone else gets 403; an
 * unknown datanet 404.
 */
async function scopeOf(
  access: AccessChecker,
  datanetId: bigint,
  account: Address,
): Promise<"datanet" | "keeper" | "own-contributions"> {
  if (await access.hasAccess(datanetId, account)) return "datanet";
  if (await access.isActiveKeeper(account)) return "keeper";
  if (await access.isContributor?.(datanetId, account)) return "own-contributions";
  throw forbidden("access_denied", `${account} has no access to datanet ${datanetId}`);
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  return schema.parse(value);
}

async function getBlob(blobs: BlobStore, id: BlobId): Promise<Uint8Array> {
  const content = await blobs.get(id);
  if (content === undefined) throw notFound("blob_not_found", `blob ${id} is not stored here`);
  return content;
}

function blobResponse(content: Uint8Array, id: BlobId, cacheControl: string): Response {
  return new Response(content as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(content.byteLength),
      etag: `"${id}"`,
      "cache-control": cacheControl,
    },
  });
}

/** Reads a request body, refusing more than `limit` bytes whether or not a length was declared. */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw payloadTooLarge(limit);
  if (request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** The one place that turns errors into HTTP statuses. */
export function toHttpError(error: unknown): {
  status: GatewayError["status"];
  code: string;
  message: string;
  details?: unknown;
  retryAfterSeconds?: number;
} {
  if (error instanceof GatewayError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    };
  }
  if (error instanceof ZodError) {
    return {
      status: 400,
      code: "invalid_request",
      message: error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; "),
      details: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    };
  }
  if (error instanceof InvalidBlobIdError)
    return { status: 400, code: "invalid_blob_id", message: error.message };
  if (error instanceof DatanetNotFoundError)
    return { status: 404, code: "datanet_not_found", message: error.message };
  if (error instanceof ContributionNotFoundError) {
    return { status: 404, code: "contribution_not_found", message: error.message };
  }
  if (error instanceof ChainUnavailableError)
    return { status: 503, code: "rpc_unavailable", message: error.message, retryAfterSeconds: 5 };
  if (error instanceof BlobCorruptedError)
    return { status: 500, code: "blob_corrupted", message: error.message };
  return { status: 500, code: "internal", message: "internal error" };
}
