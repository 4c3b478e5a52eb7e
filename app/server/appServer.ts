import { readFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { BaseError } from "@payable-ai/sdk";
import { type ErrorHandler, Hono, type NotFoundHandler } from "hono";

/** A demo account of the local network, offered by the account picker with its role. */
export type DemoAccount = {
  role: "owner" | "curator" | "contributor" | "developer" | "requester" | "keeper" | "voter" | "deployer";
  label: string;
  /** What the account does in the demo, one line. */
  description: string;
  /** Well-known anvil keys: only served for a local chain. */
  privateKey: `0x${string}`;
};

/** What the browser learns at start (`GET /config.json`). */
export type AppConfig = {
  chainId: number;
  /** JSON-RPC URL as the browser reaches it. */
  rpcUrl: string;
  /** A local development chain: the picker of demo accounts is shown. */
  local: boolean;
  contracts: Record<string, `0x${string}`>;
  demoAccounts: DemoAccount[];
};

/** The services the app reaches through this server (same origin, so no CORS anywhere). */
export type AppUpstreams = { indexer: string; gateway: string; factory: string };

export type AppServerDependencies = {
  /** The built app (`app/dist`). */
  webDir: string;
  config: AppConfig;
  upstreams: AppUpstreams;
  /** Per upstream call; an SSE stream (training progress, chat) is not cut by it. */
  timeoutMs?: number;
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

class AppServerError extends BaseError {
  override name = "AppServerError";
  constructor(
    readonly status: 404 | 502 | 504,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const handleError: ErrorHandler = (error, c) => {
  if (error instanceof AppServerError)
    return c.json({ error: { code: error.code, message: error.message } }, error.status);
  return c.json({ error: { code: "internal", message: (error as Error).message } }, 500);
};

const handleNotFound: NotFoundHandler = (c) =>
  c.json({ error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}` } }, 404);

/**
 * The web app's server: the built app at `/` (client routes fall back to `index.html`), its
 * configuration at `/config.json`, and the indexer, data gateway and Model Factory under
 * `/api/indexer`, `/api/gateway` and `/api/factory`, passed through as they are.
 */
export function createAppServer(deps: AppServerDependencies): Hono {
  const app = new Hono();
  app.onError(handleError);
  app.notFound(handleNotFound);
  const webDir = resolve(deps.webDir);
  const timeoutMs = deps.timeoutMs ?? 30_000;

  app.get("/health", (c) => c.json({ ok: true }));
  app.get("/config.json", (c) => c.json(deps.config));

  for (const [name, base] of Object.entries(deps.upstreams)) {
    app.all(`/api/${name}/*`, async (c) => {
      const incoming = new URL(c.req.url);
      const target = new URL(incoming.pathname.slice(`/api/${name}`.length) + incoming.search, base);
      const headers = new Headers(c.req.raw.headers);
      headers.delete("host");
      const hasBody = !["GET", "HEAD"].includes(c.req.method);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      c.req.raw.signal.addEventListener("abort", () => controller.abort());
      let response: Response;
      try {
        response = await fetch(target, {
          method: c.req.method,
          headers,
          body: hasBody ? await c.req.arrayBuffer() : undefined,
          signal: controller.signal,
          redirect: "manual",
        });
      } catch (error) {
        throw controller.signal.aborted
          ? new AppServerError(504, `${name}_timeout`, `the ${name} did not answer within ${timeoutMs} ms`)
          : new AppServerError(
              502,
              `${name}_unreachable`,
              `the ${name} is unreachable: ${(error as Error).message}`,
            );
      } finally {
        clearTimeout(timer);
      }
      const out = new Headers(response.headers);
      // fetch already decoded the body.
      out.delete("content-encoding");
      out.delete("content-length");
      return new Response(response.body, { status: response.status, headers: out });
    });
  }

  app.get("/*", async (c) => {
    const relative = c.req.path === "/" ? "index.html" : c.req.path.slice(1);
    const path = resolve(webDir, relative);
    if (!path.startsWith(`${webDir}/`)) return c.notFound();
    try {
      const bytes = await readFile(path);
      return c.body(new Uint8Array(bytes), 200, {
        "content-type": CONTENT_TYPES[extname(path)] ?? "application/octet-stream",
        // Vite names assets by content hash.
        "cache-control": relative.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      });
    } catch {
      // Client-side routes fall back to the app shell; a missing asset is a 404.
      if (extname(relative) !== "") return c.notFound();
      const bytes = await readFile(join(webDir, "index.html"));
      return c.body(new Uint8Array(bytes), 200, { "content-type": CONTENT_TYPES[".html"] as string });
    }
  });
  return app;
}
