import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Two real HTTP servers on loopback that misbehave as a failing service does, for the tests of
 * clients' bounds: `hungUrl` accepts connections and never answers; `failingUrl` answers every
 * request 500 `{ error: { code: "internal", message: "disk full" } }`.
 */
export async function startStuckServers(): Promise<{
  hungUrl: string;
  failingUrl: string;
  close(): Promise<void>;
}> {
  const hung = createServer(() => {});
  const failing = createServer((_, res) => {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "internal", message: "disk full" } }));
  });
  const listen = (server: Server) =>
    new Promise<string>((done) =>
      server.listen(0, "127.0.0.1", () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
    );
  return {
    hungUrl: await listen(hung),
    failingUrl: await listen(failing),
    async close() {
      for (const server of [hung, failing]) {
        server.closeAllConnections();
        await new Promise((done) => server.close(done));
      }
    },
  };
}
