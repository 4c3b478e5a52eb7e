import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommandLine, type OptionSpecs, type ResolvedOptions, UsageError } from "@payable-ai/service";
import type { Hex } from "viem";

export { UsageError };

/** Every option of `keeper`; each is also `$KEEPER_<NAME>` and a key of the `--config` file. */
export const keeperOptionSpecs = {
  "rpc-url": {
    kind: "string",
    help: "JSON-RPC endpoint",
    default: "http://127.0.0.1:8545",
    env: ["RPC_URL"],
  },
  "private-key-file": { kind: "string", help: "file holding the keeper's 0x-prefixed private key" },
  "private-key": {
    kind: "string",
    env: ["KEEPER_PRIVATE_KEY"],
    help: "the key itself (visible in `ps`: prefer the file or $KEEPER_PRIVATE_KEY)",
  },
  "inference-url": { kind: "string", help: "inference node base URL", default: "http://127.0.0.1:8090" },
  "gateway-url": { kind: "string", help: "data gateway base URL", default: "http://127.0.0.1:8788" },
  peers: { kind: "list", help: "other keepers' base URLs" },
  port: { kind: "integer", help: "HTTP port (co-sign, health, metrics)", default: "8801" },
  host: { kind: "string", help: "HTTP bind address", default: "127.0.0.1" },
  "state-dir": { kind: "string", help: "folder of the durable state", default: ".data/keeper" },
  "deployments-dir": { kind: "string", help: "folder of deployments/<chainId>.json" },
  confirmations: { kind: "integer", help: "blocks on top before an event or receipt is final", default: "1" },
  "poll-interval-ms": { kind: "integer", help: "time between two ticks", default: "1000" },
  concurrency: { kind: "integer", help: "requests worked on at once", default: "2" },
  "gateway-timeout-ms": { kind: "integer", help: "timeout of each gateway call", default: "30000" },
  "inference-timeout-ms": { kind: "integer", help: "timeout of each inference call", default: "120000" },
  "cosign-timeout-ms": {
    kind: "integer",
    help: "timeout of each co-sign request to a peer",
    default: "60000",
  },
  "drain-seconds": { kind: "integer", help: "most time a shutdown waits for work in flight", default: "15" },
  "epoch-seconds": {
    kind: "integer",
    help: "seconds of chain time per metered epoch slot this keeper may propose in (0: only on POST /ledger/epochs)",
    default: "0",
  },
  "gas-multiplier": {
    kind: "number",
    min: 1,
    help: "gas limit = estimate × this + --gas-margin",
    default: "1.3",
  },
  "gas-margin": { kind: "integer", help: "gas added to every padded estimate", default: "50000" },
  "gas-retries": {
    kind: "integer",
    help: "times an out-of-gas transaction is resent with twice the gas",
    default: "2",
  },
  "state-retention-seconds": {
    kind: "integer",
    help: "chain seconds a settled request stays in the state after its window",
    default: "86400",
  },
  "max-lag-blocks": {
    kind: "integer",
    help: "blocks behind the head beyond which /health is 503",
    default: "20",
  },
  "log-level": { kind: "string", help: "pino level (trace … fatal)", default: "info" },
} as const satisfies OptionSpecs;

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

const keeperCommandLine = defineCommandLine({
  program: "keeper",
  envPrefix: "KEEPER",
  commands: keeperCommands,
  options: keeperOptionSpecs,
  footer: [
    "The key: --private-key-file, or $KEEPER_PRIVATE_KEY; --private-key works but shows in `ps`.",
    "Contract addresses come from deployments/<chainId>.json (or --deployments-dir).",
  ].join("\n"),
});

export function usage(): string {
  return keeperCommandLine.usage();
}

export type ParsedKeeperCommand =
  | { help: true }
  | {
      help: false;
      command: KeeperCommand;
      /** Positional arguments after the command (the amount of `stake`, `top-up`). */
      args: string[];
      values: ResolvedOptions<typeof keeperOptionSpecs>;
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
  readText?: (path: string) => string,
): ParsedKeeperCommand {
  const parsed = keeperCommandLine.parse(argv, env, readText);
  if (parsed.help) return parsed;
  const { options: values, sources, args } = parsed;
  const command = parsed.command as KeeperCommand;
  const read = readText ?? ((path: string) => readFileSync(path, "utf8"));

  const warnings: string[] = [];
  let privateKey: string | undefined;
  let keySource: "file" | "env" | "flag" | "config" | undefined;
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
    privateKey = readKeyFile(resolve(keyFile), read, warnings);
    keySource = "file";
  } else if (values["private-key"] !== undefined) {
    privateKey = values["private-key"].trim();
    keySource = sources["private-key"] as "env" | "flag" | "config";
    if (keySource === "flag") {
      warnings.push(
        "--private-key is visible to every user in `ps` and in shell history; use --private-key-file or $KEEPER_PRIVATE_KEY",
      );
    }
  }
  if (privateKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new UsageError(`the private key (from ${keySource}) must be a 32-byte 0x-prefixed hex key`);
  }
  if (privateKey === undefined) {
    throw new UsageError("no key: give --private-key-file <path> or set $KEEPER_PRIVATE_KEY");
  }
  if (command === "stake" || command === "top-up") {
    if (args.length !== 1 || !/^\d+(\.\d{1,18})?$/.test(args[0] as string)) {
      throw new UsageError(`${command} takes one amount of OPEN, e.g. \`keeper ${command} 1000\``);
    }
  } else if (args.length > 0) {
    throw new UsageError(`${command} takes no arguments, got "${args.join(" ")}"`);
  }
  return { help: false, command, args, values, keySource, privateKey: privateKey as Hex, warnings };
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
