import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BaseError } from "@payable-ai/sdk";
import type { Hex } from "viem";

/** A command-line mistake: the CLI prints it with the usage and exits with status 2. */
export class UsageError extends BaseError {
  override name = "UsageError";
}

type OptionSpec = {
  /** Shown in the usage. */
  help: string;
  default?: string;
  /** Environment variables read when the flag is absent, first found wins. */
  env?: readonly string[];
  /** Not read from the environment or a config file (flags only). */
  flagOnly?: boolean;
};

/** Every option of `keeper`; each is also `$KEEPER_<NAME>` and a key of the `--config` file. */
export const keeperOptionSpecs = {
  "rpc-url": {
    help: "JSON-RPC endpoint",
    default: "http://127.0.0.1:8545",
    env: ["KEEPER_RPC_URL", "RPC_URL"],
  },
  "private-key-file": { help: "file holding the keeper's 0x-prefixed private key" },
  "private-key": { help: "the key itself (visible in `ps`: prefer the file or $KEEPER_PRIVATE_KEY)" },
  "inference-url": { help: "inference node base URL", default: "http://127.0.0.1:8090" },
  "gateway-url": { help: "data gateway base URL", default: "http://127.0.0.1:8788" },
  peers: { help: "other keepers' base URLs, comma-separated", default: "" },
  port: { help: "HTTP port (co-sign, health, metrics)", default: "8801" },
  host: { help: "HTTP bind address", default: "127.0.0.1" },
  "state-dir": { help: "folder of the durable state", default: ".data/keeper" },
  "deployments-dir": { help: "folder of deployments/<chainId>.json" },
  confirmations: { help: "blocks on top before an event or receipt is final", default: "1" },
  "poll-interval-ms": { help: "time between two ticks", default: "1000" },
  concurrency: { help: "requests worked on at once", default: "2" },
  "gateway-timeout-ms": { help: "timeout of each gateway call", default: "30000" },
  "inference-timeout-ms": { help: "timeout of each inference call", default: "120000" },
  "cosign-timeout-ms": { help: "timeout of each co-sign request to a peer", default: "60000" },
  "drain-seconds": { help: "most time a shutdown waits for work in flight", default: "15" },
  "epoch-seconds": {
    help: "seconds of chain time per metered epoch slot this keeper may propose in (0: only on POST /ledger/epochs)",
    default: "0",
  },
  "gas-multiplier": { help: "gas limit = estimate × this + --gas-margin", default: "1.3" },
  "gas-margin": { help: "gas added to every padded estimate", default: "50000" },
  "gas-retries": { help: "times an out-of-gas transaction is resent with twice the gas", default: "2" },
  "state-retention-seconds": {
    help: "chain seconds a settled request stays in the state after its window",
    default: "86400",
  },
  "max-lag-blocks": { help: "blocks behind the head beyond which /health is 503", default: "20" },
  "log-level": { help: "pino level (trace … fatal)", default: "info" },
  config: { help: "JSON file of options (keys are the flag names)", flagOnly: true },
  help: { help: "print this help", flagOnly: true },
} as const satisfies Record<string, OptionSpec>;

export type KeeperOptionName = keyof typeof keeperOptionSpecs;

export const keeperCommands = {
  run: "run the keeper node (the default)",
  stake: "stake <amount> OPEN and join the signer set",
  "top-up": "add <amount> OPEN to an existing stake",
  unbond: "leave the signer set; the stake unlocks after the unbonding delay",
  withdraw: "withdraw the stake once unbonded",
  status: "stake, active, unbonding and RewardVault earnings of the key",
  claim: "claim the RewardVault balance of the key",
} as const;

export type KeeperCommand = keyof typeof keeperCommands;

export function envNames(name: KeeperOptionName): readonly string[] {
  const spec: OptionSpec = keeperOptionSpecs[name];
  if (spec.flagOnly) return [];
  return spec.env ?? [`KEEPER_${name.toUpperCase().replaceAll("-", "_")}`];
}

export function usage(): string {
  const width = Math.max(...Object.keys(keeperOptionSpecs).map((n) => n.length)) + 4;
  const lines = [
    "Usage: keeper [command] [options]",
    "",
    "Commands:",
    ...Object.entries(keeperCommands).map(([name, help]) => `  ${name.padEnd(width)}${help}`),
    "",
    "Options (flag > environment > --config file > default):",
  ];
  for (const [name, spec] of Object.entries(keeperOptionSpecs) as [KeeperOptionName, OptionSpec][]) {
    const env = envNames(name);
    const extra = [
      spec.default !== undefined ? `default ${JSON.stringify(spec.default)}` : "",
      env.join(", "),
    ]
      .filter((s) => s.length > 0)
      .join("; ");
    lines.push(`  --${name.padEnd(width - 2)}${spec.help}${extra ? ` (${extra})` : ""}`);
  }
  lines.push(
    "",
    "The key: --private-key-file, or $KEEPER_PRIVATE_KEY; --private-key works but shows in `ps`.",
    "Contract addresses come from deployments/<chainId>.json (or --deployments-dir).",
  );
  return lines.join("\n");
}

export type ParsedKeeperCommand = {
  command: KeeperCommand;
  /** Positional arguments after the command (the amount of `stake`, `top-up`). */
  args: string[];
  help: boolean;
  values: Record<Exclude<KeeperOptionName, "config" | "help">, string | undefined>;
  /** Where the key came from. */
  keySource: "file" | "env" | "flag" | "config" | undefined;
  privateKey: Hex | undefined;
  warnings: string[];
};

/**
 * Reads a keeper command line: flags win over the environment, which wins over the `--config`
 * file, which wins over defaults. Throws {@link UsageError} for anything malformed.
 */
export function parseKeeperCommand(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
  readText: (path: string) => string = (path) => readFileSync(path, "utf8"),
): ParsedKeeperCommand {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.keys(keeperOptionSpecs).map((name) => [
          name,
          { type: name === "help" ? "boolean" : "string" },
        ]),
      ) as Record<string, { type: "string" | "boolean" }>,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  const [first, ...rest] = parsed.positionals;
  const command = (first ?? "run") as KeeperCommand;
  if (!(command in keeperCommands)) throw new UsageError(`unknown command "${first}"`);
  const help = flags.help === true;

  const configPath = (flags.config as string | undefined) ?? env.KEEPER_CONFIG;
  const file = configPath === undefined ? {} : readConfig(resolve(configPath), readText);

  const values = {} as ParsedKeeperCommand["values"];
  const sources = {} as Record<string, "flag" | "env" | "config" | "default">;
  for (const name of Object.keys(keeperOptionSpecs) as KeeperOptionName[]) {
    if (name === "config" || name === "help") continue;
    const spec: OptionSpec = keeperOptionSpecs[name];
    const fromEnv = envNames(name)
      .map((n) => env[n])
      .find((v) => v !== undefined && v !== "");
    const candidates: [string | undefined, "flag" | "env" | "config" | "default"][] = [
      [flags[name] as string | undefined, "flag"],
      [fromEnv, "env"],
      [file[name], "config"],
      [spec.default, "default"],
    ];
    const found = candidates.find(([v]) => v !== undefined);
    values[name] = found?.[0];
    if (found) sources[name] = found[1];
  }

  const warnings: string[] = [];
  let privateKey: string | undefined;
  let keySource: ParsedKeeperCommand["keySource"];
  const rank = { flag: 0, env: 1, config: 2, default: 3 } as const;
  const keyFile = values["private-key-file"];
  const fileRank = keyFile === undefined ? undefined : rank[sources["private-key-file"] ?? "default"];
  const keyRank = values["private-key"] === undefined ? undefined : rank[sources["private-key"] ?? "default"];
  if (fileRank !== undefined && fileRank === keyRank) {
    throw new UsageError(
      "give the key once: --private-key-file or --private-key / $KEEPER_PRIVATE_KEY, not both",
    );
  }
  if (keyFile !== undefined && (keyRank === undefined || (fileRank as number) < keyRank)) {
    privateKey = readKeyFile(resolve(keyFile), readText, warnings);
    keySource = "file";
  } else if (values["private-key"] !== undefined) {
    privateKey = values["private-key"].trim();
    keySource = sources["private-key"] as ParsedKeeperCommand["keySource"];
    if (keySource === "flag") {
      warnings.push(
        "--private-key is visible to every user in `ps` and in shell history; use --private-key-file or $KEEPER_PRIVATE_KEY",
      );
    }
  }
  if (!help && privateKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new UsageError(`the private key (from ${keySource}) must be a 32-byte 0x-prefixed hex key`);
  }
  if (!help && privateKey === undefined) {
    throw new UsageError("no key: give --private-key-file <path> or set $KEEPER_PRIVATE_KEY");
  }

  if (!help) {
    if (command === "stake" || command === "top-up") {
      if (rest.length !== 1 || !/^\d+(\.\d{1,18})?$/.test(rest[0] as string)) {
        throw new UsageError(`${command} takes one amount of OPEN, e.g. \`keeper ${command} 1000\``);
      }
    } else if (rest.length > 0) {
      throw new UsageError(`${command} takes no arguments, got "${rest.join(" ")}"`);
    }
  }
  return {
    command,
    args: rest,
    help,
    values,
    keySource,
    privateKey: privateKey as Hex | undefined,
    warnings,
  };
}

function readConfig(path: string, readText: (path: string) => string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readText(path));
  } catch (error) {
    throw new UsageError(`--config ${path}: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UsageError(`--config ${path}: expected a JSON object of options`);
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    const spec = (keeperOptionSpecs as Record<string, OptionSpec>)[key];
    if (spec === undefined || spec.flagOnly)
      throw new UsageError(`--config ${path}: unknown option "${key}"`);
    if (key === "peers" && Array.isArray(value) && value.every((v) => typeof v === "string")) {
      result[key] = value.join(",");
    } else if (typeof value === "string" || typeof value === "number") {
      result[key] = String(value);
    } else {
      throw new UsageError(`--config ${path}: "${key}" must be a string or a number`);
    }
  }
  return result;
}

function readKeyFile(path: string, readText: (path: string) => string, warnings: string[]): string {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    throw new UsageError(`--private-key-file ${path}: ${(error as Error).message}`);
  }
  try {
    if ((statSync(path).mode & 0o077) !== 0) {
      warnings.push(`${path} is readable by other users; chmod 600 it`);
    }
  } catch {}
  return text.trim();
}

/** A non-negative integer option, or a {@link UsageError} naming it. */
export function integerOption(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value.trim() === "" || !Number.isInteger(n) || n < 0) {
    throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`);
  }
  return n;
}
