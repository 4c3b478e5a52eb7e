import { describe, expect, it } from "vitest";
import {
  envNameOf,
  gatewayOptionSpecs,
  gatewayUsage,
  parseGatewayCommandLine,
  UsageError,
} from "../src/cliOptions.js";

const noFile = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};
const options = (argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}) => {
  const parsed = parseGatewayCommandLine(argv, env, (path) => files[path] ?? noFile(path));
  if (parsed.help) throw new Error("unexpected --help");
  return parsed.options;
};

describe("gateway command line", () => {
  it("keeps the defaults and the flags the local network passes", () => {
    const o = options([
      "--rpc-url",
      "http://node:8545",
      "--deployments-dir",
      "d",
      "--data-dir",
      "x",
      "--port",
      "0",
    ]);
    expect(o).toMatchObject({
      "rpc-url": "http://node:8545",
      "deployments-dir": "d",
      "data-dir": "x",
      port: 0,
      host: "127.0.0.1",
      "rpc-timeout-ms": 5_000,
      "max-sessions-per-account": 64,
      "max-sessions": 10_000,
      "shutdown-timeout-ms": 15_000,
      "log-level": "info",
    });
    expect(o["datanet-registry"]).toBeUndefined();
    expect(o["max-public-upload-bytes"]).toBeUndefined();
  });

  it.each([
    ["a flag", ["--port", "1"], { GATEWAY_PORT: "2" }, { port: 3 }, 1],
    ["the environment", [], { GATEWAY_PORT: "2" }, { port: 3 }, 2],
    ["the config file", [], {}, { port: 3 }, 3],
    ["the default", [], {}, {}, 8788],
  ])("takes the port from %s when nothing above it sets one", (_, argv, env, config, port) => {
    const o = options([...argv, "--config", "gw.json"], env, { "gw.json": JSON.stringify(config) });
    expect(o.port).toBe(port);
  });

  it("reads $GATEWAY_CONFIG, and $RPC_URL after $GATEWAY_RPC_URL", () => {
    const files = { "/etc/gw.json": JSON.stringify({ "rpc-url": "http://config", "log-level": "warn" }) };
    expect(options([], { GATEWAY_CONFIG: "/etc/gw.json" }, files)).toMatchObject({
      "rpc-url": "http://config",
      "log-level": "warn",
    });
    expect(options([], { GATEWAY_CONFIG: "/etc/gw.json", RPC_URL: "http://legacy" }, files)["rpc-url"]).toBe(
      "http://legacy",
    );
    expect(options([], { RPC_URL: "http://legacy", GATEWAY_RPC_URL: "http://named" }, files)["rpc-url"]).toBe(
      "http://named",
    );
  });

  it("answers --help and -h", () => {
    expect(parseGatewayCommandLine(["--help"], {})).toEqual({ help: true });
    expect(parseGatewayCommandLine(["-h"], {})).toEqual({ help: true });
    const usage = gatewayUsage();
    for (const flag of Object.keys(gatewayOptionSpecs)) {
      expect(usage).toContain(`--${flag}`);
      expect(usage).toContain(`$${envNameOf(flag)}`);
    }
  });

  it.each([
    [["--no-such-flag"], {}, {}, /Unknown option '--no-such-flag'/],
    [["stray"], {}, {}, /positional/],
    [["--port", "eighty"], {}, {}, /--port must be a non-negative integer, got "eighty"/],
    [[], { GATEWAY_RPC_TIMEOUT_MS: "-1" }, {}, /\$GATEWAY_RPC_TIMEOUT_MS must be a non-negative integer/],
    [["--config", "c.json"], {}, { "c.json": "{ not json" }, /cannot read the config file c\.json/],
    [["--config", "c.json"], {}, { "c.json": "[]" }, /must hold a JSON object/],
    [["--config", "c.json"], {}, { "c.json": '{"prot": 1}' }, /unknown option "prot" in the config file/],
    [
      ["--config", "c.json"],
      {},
      { "c.json": '{"port": "x"}' },
      /"port" in c\.json must be a non-negative integer/,
    ],
    [["--config", "missing.json"], {}, {}, /cannot read the config file missing\.json/],
  ])("refuses %j %j %j with a usage error", (argv, env, files, message) => {
    expect(() => options(argv, env as Record<string, string>, files as Record<string, string>)).toThrow(
      UsageError,
    );
    expect(() => options(argv, env as Record<string, string>, files as Record<string, string>)).toThrow(
      message,
    );
  });
});
