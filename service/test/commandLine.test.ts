import { describe, expect, test } from "vitest";
import { defineCommandLine, UsageError } from "../src/index.js";

const cli = defineCommandLine({
  program: "demo",
  summary: "A demo service.",
  envPrefix: "DEMO",
  options: {
    "rpc-url": { kind: "string", default: "http://127.0.0.1:8545", help: "JSON-RPC", env: ["RPC_URL"] },
    port: { kind: "integer", default: "8080", help: "HTTP port" },
    "load-factor": { kind: "number", default: "1.25", min: 1, help: "load bound" },
    verbose: { kind: "boolean", help: "log more" },
    peer: { kind: "list", help: "peers" },
    node: { kind: "entries", help: "nodes" },
    "private-key": { kind: "string", flagOnly: true, help: "the key" },
    name: { kind: "string", help: "a name" },
  },
});

const files = (content: Record<string, string>) => (path: string) => {
  const text = content[path];
  if (text === undefined) throw new Error(`ENOENT: no such file ${path}`);
  return text;
};

function options(argv: string[], env: Record<string, string> = {}, read = files({})) {
  const parsed = cli.parse(argv, env, read);
  if (parsed.help) throw new Error("unexpected help");
  return parsed;
}

describe("defineCommandLine", () => {
  test("defaults, with booleans false and lists empty", () => {
    const { options: o, sources } = options([]);
    expect(o).toEqual({
      "rpc-url": "http://127.0.0.1:8545",
      port: 8080,
      "load-factor": 1.25,
      verbose: false,
      peer: [],
      node: [],
      "private-key": undefined,
      name: undefined,
    });
    expect(sources).toEqual({ "rpc-url": "default", port: "default", "load-factor": "default" });
  });

  test("a flag wins over the environment, which wins over the config file", () => {
    const read = files({ "c.json": JSON.stringify({ port: 3, name: "file", "rpc-url": "http://file" }) });
    const { options: o, sources } = options(
      ["--config", "c.json", "--port", "1"],
      { DEMO_PORT: "2", DEMO_NAME: "env", RPC_URL: "http://env" },
      read,
    );
    expect([o.port, o.name, o["rpc-url"]]).toEqual([1, "env", "http://env"]);
    expect(sources).toMatchObject({ port: "flag", name: "env", "rpc-url": "env" });
    expect(options([], { DEMO_CONFIG: "c.json" }, read).options.name).toBe("file");
  });

  test("the prefixed variable is read before the extra names, and empty ones are skipped", () => {
    expect(options([], { DEMO_RPC_URL: "http://a", RPC_URL: "http://b" }).options["rpc-url"]).toBe(
      "http://a",
    );
    expect(options([], { DEMO_RPC_URL: "", RPC_URL: "http://b" }).options["rpc-url"]).toBe("http://b");
  });

  test("lists take repeated flags, commas, env and JSON arrays; entries also objects", () => {
    expect(options(["--peer", "a,b", "--peer", "c"]).options.peer).toEqual(["a", "b", "c"]);
    expect(options([], { DEMO_PEER: "x, y" }).options.peer).toEqual(["x", "y"]);
    const read = files({ "c.json": JSON.stringify({ peer: ["p"], node: ["u", { url: "v", name: "n" }] }) });
    const parsed = options(["--config", "c.json"], {}, read);
    expect(parsed.options.peer).toEqual(["p"]);
    expect(parsed.options.node).toEqual(["u", { url: "v", name: "n" }]);
    const bad = files({ "c.json": JSON.stringify({ peer: [{ url: "v" }] }) });
    expect(() => cli.parse(["--config", "c.json"], {}, bad)).toThrow(/"peer" in c.json must be strings/);
  });

  test("values are checked against their kind, naming where they came from", () => {
    expect(() => cli.parse(["--port", "x"], {})).toThrow('--port must be an integer ≥ 0, got "x"');
    expect(() => cli.parse([], { DEMO_PORT: "-1" })).toThrow('$DEMO_PORT must be an integer ≥ 0, got "-1"');
    expect(() => cli.parse(["--load-factor", "0.5"], {})).toThrow(
      '--load-factor must be a number ≥ 1, got "0.5"',
    );
    expect(options(["--load-factor", "1.5"]).options["load-factor"]).toBe(1.5);
    expect(() => cli.parse([], { DEMO_VERBOSE: "yes" })).toThrow(
      '$DEMO_VERBOSE must be true, false, 1 or 0, got "yes"',
    );
    expect(options([], { DEMO_VERBOSE: "1" }).options.verbose).toBe(true);
    expect(options(["--verbose"]).options.verbose).toBe(true);
    const read = files({ "c.json": JSON.stringify({ port: "7x" }) });
    expect(() => cli.parse(["--config", "c.json"], {}, read)).toThrow(
      `"port" in c.json must be an integer ≥ 0, got "7x"`,
    );
  });

  test("flag-only options are not read from the environment or the config file", () => {
    expect(options([], { DEMO_PRIVATE_KEY: "0xabc" }).options["private-key"]).toBeUndefined();
    const read = files({ "c.json": JSON.stringify({ "private-key": "0xabc" }) });
    expect(() => cli.parse(["--config", "c.json"], {}, read)).toThrow(
      `unknown option "private-key" in the config file c.json`,
    );
    expect(options(["--private-key", "0xabc"]).options["private-key"]).toBe("0xabc");
  });

  test("unknown flags, positionals and broken config files are usage errors", () => {
    expect(() => cli.parse(["--nope"], {})).toThrow(UsageError);
    expect(() => cli.parse(["--nope"], {})).toThrow(/Unknown option '--nope'/);
    expect(() => cli.parse(["extra"], {})).toThrow(/Unexpected argument 'extra'/);
    expect(() => cli.parse(["--port"], {})).toThrow(/argument missing/);
    expect(() => cli.parse(["--config", "missing.json"], {}, files({}))).toThrow(
      /cannot read the config file missing.json/,
    );
    const read = files({ "a.json": "[1]", "b.json": '{"nope": 1}', "c.json": "{" });
    expect(() => cli.parse(["--config", "a.json"], {}, read)).toThrow(
      "the config file a.json must hold a JSON object",
    );
    expect(() => cli.parse(["--config", "b.json"], {}, read)).toThrow(
      `unknown option "nope" in the config file b.json`,
    );
    expect(() => cli.parse(["--config", "c.json"], {}, read)).toThrow(/cannot read the config file c.json/);
  });

  test("--help wins over everything else", () => {
    expect(cli.parse(["--help", "--port", "x"], {})).toEqual({ help: true });
    expect(cli.parse(["-h"], {})).toEqual({ help: true });
  });

  test("commands: the first is the default, the rest are arguments", () => {
    const withCommands = defineCommandLine({
      program: "tool",
      envPrefix: "TOOL",
      commands: { run: "run it", stake: "stake <amount>" },
      options: { port: { kind: "integer", default: "1", help: "port" } },
    });
    expect(withCommands.parse([], {})).toMatchObject({ command: "run", args: [] });
    expect(withCommands.parse(["stake", "10", "--port", "2"], {})).toMatchObject({
      command: "stake",
      args: ["10"],
      options: { port: 2 },
    });
    expect(() => withCommands.parse(["fly"], {})).toThrow('unknown command "fly" (commands: run, stake)');
    expect(withCommands.usage()).toMatch(
      /Usage: tool \[command\] \[options\]\n\nCommands:\n {2}run {4}run it \(the default\)/,
    );
  });

  test("the usage lists every option with its default and its environment variables", () => {
    const usage = cli.usage();
    expect(usage).toMatch(/^Usage: demo \[options\]\n\nA demo service\./);
    expect(usage).toContain("--rpc-url VALUE");
    expect(usage).toContain("JSON-RPC (default http://127.0.0.1:8545; $DEMO_RPC_URL, $RPC_URL)");
    expect(usage).toContain("--port N");
    expect(usage).toContain("peers (repeatable or comma-separated; $DEMO_PEER)");
    expect(usage).toContain("the key\n");
    expect(usage).not.toContain("$DEMO_PRIVATE_KEY");
    expect(cli.envNames("port")).toEqual(["DEMO_PORT"]);
  });
});
