import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** s3rver's fixed development credentials (it checks signatures against them). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export type TestS3Server = {
  endpoint: string;
  /** Where s3rver keeps the objects: `<directory>/<bucket>/<key>._S3rver_object`. */
  directory: string;
  stop(): Promise<void>;
};

/** An S3-protocol server on a free port, its objects in a fresh temporary directory, with `buckets` created. */
export async function startS3Server(buckets: readonly string[]): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), "s3rver-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * An HTTP front for s3rver that enforces `If-None-Match: *` on PutObject as AWS S3
 * does (s3rver ignores the header): 412 PreconditionFailed when the object exists or
 * another conditional put of the same key is under way; everything else is passed on.
 */
export async function startConditionalPutFront(
  server: TestS3Server,
): Promise<{ endpoint: string; refused: number; stop(): Promise<void> }> {
  const upstream = new URL(server.endpoint);
  const writing = new Set<string>();
  const state = { refused: 0 };
  const front = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://front").pathname);
    const conditional = req.method === "PUT" && req.headers["if-none-match"] === "*";
    const forward = (done: () => void) => {
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res).once("finish", done);
        },
      );
      out.once("error", (error) => {
        done();
        res.destroy(error);
      });
      req.pipe(out);
    };
    if (!conditional) return forward(() => {});
    const exists = existsSync(join(server.directory, `${path}._S3rver_object`));
    if (exists || writing.has(path)) {
      state.refused++;
      req.resume();
      res.writeHead(412, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
          "<Message>At least one of the pre-conditions you specified did not hold</Message></Error>",
      );
      return;
    }
    writing.add(path);
    forward(() => writing.delete(path));
  });
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    get refused() {
      return state.refused;
    },
    stop: () =>
      new Promise<void>((r) => {
        front.close(() => r());
        front.closeAllConnections();
      }),
  };
}
