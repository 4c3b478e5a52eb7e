import { describe, expect, it } from "vitest";
import {
  gatewayCommandLine,
  gatewayOptionSpecs,
  parseBlobStoreLocation,
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
    const usage = gatewayCommandLine.usage();
    for (const flag of Object.keys(gatewayOptionSpecs)) {
      expect(usage).toContain(`--${flag}`);
      expect(usage).toContain(`$GATEWAY_${flag.toUpperCase().replaceAll("-", "_")}`);
    }
  });

  it("takes an S3 bucket, its endpoint, region and path style from flags, the environment or the file", () => {
    expect(options([])).toMatchObject({ "s3-region": "us-east-1", "s3-force-path-style": false });
    expect(options([])["blob-store"]).toBeUndefined();
    const flags = options([
      "--blob-store",
      "s3://payable-blobs/gateway/main/",
      "--s3-endpoint",
      "http://minio:9000",
      "--s3-region",
      "eu-west-1",
      "--s3-force-path-style",
    ]);
    expect(flags).toMatchObject({
      "blob-store": "s3://payable-blobs/gateway/main/",
      "s3-endpoint": "http://minio:9000",
      "s3-region": "eu-west-1",
      "s3-force-path-style": true,
    });
    const env = options([], {
      GATEWAY_BLOB_STORE: "s3://payable-blobs",
      AWS_ENDPOINT_URL_S3: "http://rgw:7480",
      AWS_REGION: "ap-south-1",
      GATEWAY_S3_FORCE_PATH_STYLE: "1",
    });
    expect(env).toMatchObject({
      "s3-endpoint": "http://rgw:7480",
      "s3-region": "ap-south-1",
      "s3-force-path-style": true,
    });
    const file = options(
      ["--config", "c.json"],
      { GATEWAY_S3_REGION: "us-west-2", AWS_REGION: "ignored" },
      {
        "c.json": JSON.stringify({ "s3-force-path-style": true, "blob-store": "/srv/blobs" }),
      },
    );
    expect(file).toMatchObject({
      "s3-region": "us-west-2",
      "s3-force-path-style": true,
      "blob-store": "/srv/blobs",
    });
  });

  it.each([
    ["s3://payable-blobs/gateway/main/", { kind: "s3", bucket: "payable-blobs", prefix: "gateway/main" }],
    ["s3://payable-blobs", { kind: "s3", bucket: "payable-blobs", prefix: "" }],
    ["s3://a.b-c/", { kind: "s3", bucket: "a.b-c", prefix: "" }],
    ["/srv/blobs", { kind: "local", dir: "/srv/blobs" }],
    ["relative/blobs", { kind: "local", dir: "relative/blobs" }],
  ])("reads the blob store location %s", (value, location) => {
    expect(parseBlobStoreLocation(value)).toEqual(location);
  });

  it.each([
    [["--no-such-flag"], {}, {}, /Unknown option '--no-such-flag'/],
    [["stray"], {}, {}, /positional/],
    [["--port", "eighty"], {}, {}, /--port must be an integer ≥ 0, got "eighty"/],
    [[], { GATEWAY_RPC_TIMEOUT_MS: "-1" }, {}, /\$GATEWAY_RPC_TIMEOUT_MS must be an integer ≥ 0/],
    [["--config", "c.json"], {}, { "c.json": "{ not json" }, /cannot read the config file c\.json/],
    [["--config", "c.json"], {}, { "c.json": "[]" }, /must hold a JSON object/],
    [["--config", "c.json"], {}, { "c.json": '{"prot": 1}' }, /unknown option "prot" in the config file/],
    [["--config", "c.json"], {}, { "c.json": '{"port": "x"}' }, /"port" in c\.json must be an integer ≥ 0/],
    [["--config", "missing.json"], {}, {}, /cannot read the config file missing\.json/],
    [["--blob-store", "s3://Bad_Bucket/x"], {}, {}, /"Bad_Bucket" is not an S3 bucket name/],
    [["--blob-store", "s3:///prefix"], {}, {}, /"" is not an S3 bucket name/],
    [["--blob-store", "gs://bucket"], {}, {}, /must be s3:\/\/bucket\/prefix or a directory/],
    [
      [],
      { GATEWAY_S3_FORCE_PATH_STYLE: "yes" },
      {},
      /\$GATEWAY_S3_FORCE_PATH_STYLE must be true, false, 1 or 0/,
    ],
  ])("refuses %j %j %j with a usage error", (argv, env, files, message) => {
    expect(() => options(argv, env as Record<string, string>, files as Record<string, string>)).toThrow(
      UsageError,
    );
    expect(() => options(argv, env as Record<string, string>, files as Record<string, string>)).toThrow(
      message,
    );
  });
});
