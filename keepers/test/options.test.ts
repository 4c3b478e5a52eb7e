import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseKeeperCommand as parseCommand, UsageError, usage } from "../src/options.js";

/** The parsed command line, for tests that do not pass --help. */
function parseKeeperCommand(...args: Parameters<typeof parseCommand>) {
  const parsed = parseCommand(...args);
  if (parsed.help) throw new Error("unexpected --help");
  return parsed;
}

const key = `0x${"ab".repeat(32)}`;
const other = `0x${"cd".repeat(32)}`;

describe("keeper command line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-options-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("an unknown option or command is a usage error, not a crash", () => {
    expect(() => parseKeeperCommand(["--rpc", "x"], { KEEPER_PRIVATE_KEY: key })).toThrow(UsageError);
    expect(() => parseKeeperCommand(["--rpc", "x"], { KEEPER_PRIVATE_KEY: key })).toThrow(/--rpc/);
    expect(() => parseKeeperCommand(["stak"], { KEEPER_PRIVATE_KEY: key })).toThrow(/unknown command "stak"/);
    expect(() => parseKeeperCommand(["stake"], { KEEPER_PRIVATE_KEY: key })).toThrow(/one amount/);
    expect(() => parseKeeperCommand(["stake", "1e3"], { KEEPER_PRIVATE_KEY: key })).toThrow(/one amount/);
    expect(() => parseKeeperCommand(["status", "now"], { KEEPER_PRIVATE_KEY: key })).toThrow(/no arguments/);
  });

  it("--help needs no key and lists every option with its variable", () => {
    expect(parseCommand(["--help"], {}).help).toBe(true);
    const text = usage();
    for (const word of [
      "--private-key-file",
      "KEEPER_PRIVATE_KEY",
      "--drain-seconds",
      "KEEPER_GATEWAY_TIMEOUT_MS",
      "top-up",
    ]) {
      expect(text).toContain(word);
    }
  });

  it("takes flags over the environment over the config file over defaults", async () => {
    const config = join(dir, "keeper.json");
    await writeFile(
      config,
      JSON.stringify({
        "rpc-url": "http://config",
        port: 9001,
        peers: ["http://a", "http://b"],
        "gateway-url": "http://gw",
      }),
    );
    const parsed = parseKeeperCommand(["--config", config, "--port", "9003"], {
      KEEPER_PRIVATE_KEY: key,
      KEEPER_RPC_URL: "http://env",
      KEEPER_PORT: "9002",
    });
    expect(parsed.command).toBe("run");
    expect(parsed.values).toMatchObject({
      "rpc-url": "http://env",
      port: 9003,
      peers: ["http://a", "http://b"],
      "gateway-url": "http://gw",
      "inference-url": "http://127.0.0.1:8090",
      "drain-seconds": 15,
    });
    expect(parsed.privateKey).toBe(key);
    expect(parsed.keySource).toBe("env");
    expect(parsed.warnings).toEqual([]);
    expect(parseKeeperCommand([], { KEEPER_PRIVATE_KEY: key, RPC_URL: "http://legacy" })).toMatchObject({
      values: { "rpc-url": "http://legacy" },
    });
    expect(() => parseKeeperCommand(["--port", "x"], { KEEPER_PRIVATE_KEY: key })).toThrow(
      '--port must be an integer ≥ 0, got "x"',
    );
    expect(() => parseKeeperCommand([], { KEEPER_PRIVATE_KEY: key, KEEPER_GAS_MULTIPLIER: "0.5" })).toThrow(
      '$KEEPER_GAS_MULTIPLIER must be a number ≥ 1, got "0.5"',
    );
    await writeFile(config, JSON.stringify({ "rpc-urls": "x" }));
    expect(() => parseKeeperCommand(["--config", config], { KEEPER_PRIVATE_KEY: key })).toThrow(
      /unknown option "rpc-urls" in the config file .*keeper\.json/,
    );
  });

  it("reads the key from a file; --private-key still works with a warning that ps shows it", async () => {
    const file = join(dir, "key");
    await writeFile(file, `${key}\n`);
    await chmod(file, 0o600);
    const fromFile = parseKeeperCommand(["--private-key-file", file], {});
    expect(fromFile).toMatchObject({ privateKey: key, keySource: "file", warnings: [] });
    await chmod(file, 0o644);
    expect(parseKeeperCommand(["--private-key-file", file], {}).warnings.join()).toMatch(/chmod 600/);

    const fromFlag = parseKeeperCommand(["--private-key", other], {});
    expect(fromFlag).toMatchObject({ privateKey: other, keySource: "flag" });
    expect(fromFlag.warnings.join()).toMatch(/visible .* in `ps`/);

    // A flag wins over the environment, as for every option; two at one level are a mistake.
    expect(parseKeeperCommand(["--private-key-file", file], { KEEPER_PRIVATE_KEY: other }).privateKey).toBe(
      key,
    );
    expect(parseKeeperCommand(["--private-key", other], { KEEPER_PRIVATE_KEY_FILE: file }).privateKey).toBe(
      other,
    );
    expect(() => parseKeeperCommand(["--private-key-file", file, "--private-key", other], {})).toThrow(
      /not both/,
    );
    expect(() => parseKeeperCommand([], {})).toThrow(/no key/);
    expect(() => parseKeeperCommand([], { KEEPER_PRIVATE_KEY: "0x12" })).toThrow(/32-byte/);
    expect(() => parseKeeperCommand(["--private-key-file", join(dir, "missing")], {})).toThrow(/missing/);
  });
});
