import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BaseError } from "@payable-ai/sdk";

/**
 * `list` takes repeated flags and comma-separated values (and a JSON array in the config file);
 * `entries` is a list whose config-file items may also be JSON objects.
 */
export type OptionKind = "string" | "integer" | "number" | "boolean" | "list" | "entries";

export type OptionSpec = {
  kind: OptionKind;
  /** One line for the usage. */
  help: string;
  /** As it would be written on the command line; lists comma-separated. */
  default?: string;
  /** Environment variables read besides `<PREFIX>_<FLAG>`, in order. */
  env?: readonly string[];
  /** Only as a flag: not from the environment or the config file (secrets, one-off actions). */
  flagOnly?: boolean;
  /** The value's name in the usage (default `N` for numbers, `VALUE` otherwise). */
  value?: string;
  /** Smallest accepted number (default 0 for `integer` and `number`). */
  min?: number;
};

export type OptionSpecs = Record<string, OptionSpec>;

/** A config-file item of an `entries` option. */
export type Entry = string | Record<string, unknown>;

type ValueOf<S extends OptionSpec> = S["kind"] extends "integer" | "number"
  ? number
  : S["kind"] extends "boolean"
    ? boolean
    : S["kind"] extends "list"
      ? string[]
      : S["kind"] extends "entries"
        ? Entry[]
        : string;

/** The resolved options: those with a default, booleans and lists are always set. */
export type ResolvedOptions<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends { default: string }
    ? ValueOf<S[K]>
    : S[K]["kind"] extends "boolean" | "list" | "entries"
      ? ValueOf<S[K]>
      : ValueOf<S[K]> | undefined;
};

/** Where an option's value came from. */
export type OptionSource = "flag" | "env" | "config" | "default";

export type ParsedCommandLine<S extends OptionSpecs> =
  | { help: true }
  | {
      help: false;
      options: ResolvedOptions<S>;
      sources: { [K in keyof S]?: OptionSource };
      /** The command (with `commands`), else undefined. */
      command: string | undefined;
      /** Positional arguments after the command. */
      args: string[];
    };

export type CommandLineDefinition<S extends OptionSpecs> = {
  /** The program's name, in the usage and in error messages. */
  program: string;
  /** What it does, a few lines for the usage. */
  summary?: string;
  /** Environment variables are `<envPrefix>_<FLAG>`: `--rpc-url` is `$KEEPER_RPC_URL`. */
  envPrefix: string;
  options: S;
  /** Subcommands and their one-line help; the first is the default. */
  commands?: Record<string, string>;
  /** Accept positional arguments (without `commands`). */
  positionals?: boolean;
  /** Lines after the options. */
  footer?: string;
};

export type CommandLine<S extends OptionSpecs> = {
  readonly program: string;
  readonly options: S;
  /** The environment variables an option is read from, first found wins. */
  envNames(name: keyof S & string): string[];
  usage(): string;
  /**
   * The options from `argv` (flags), `env` and the JSON object of `--config` (or
   * `$<PREFIX>_CONFIG`), in that order of precedence, then the defaults; each checked against
   * its kind. Throws {@link UsageError}.
   */
  parse(
    argv: readonly string[],
    env?: Record<string, string | undefined>,
    readFile?: (path: string) => string,
  ): ParsedCommandLine<S>;
};

/** A command line the program cannot run with: it prints the message and the usage, and exits 2. */
export class UsageError extends BaseError {
  override name = "UsageError";
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

/** One parser for every CLI of the network: flags, environment, config file, defaults. */
export function defineCommandLine<const S extends OptionSpecs>(
  definition: CommandLineDefinition<S>,
): CommandLine<S> {
  const specs: OptionSpecs = definition.options;
  const upper = (flag: string) => flag.toUpperCase().replaceAll("-", "_");
  const configEnv = `${definition.envPrefix}_CONFIG`;
  const envNames = (name: string): string[] => {
    const spec = specs[name] as OptionSpec;
    if (spec.flagOnly) return [];
    return [...new Set([`${definition.envPrefix}_${upper(name)}`, ...(spec.env ?? [])])];
  };

  function usage(): string {
    const rows: [string, string][] = [
      ["-h, --help", "print this help and exit"],
      ["--config FILE", `a JSON object of options, keys as the flag names ($${configEnv})`],
    ];
    for (const [name, spec] of Object.entries(specs)) {
      const value =
        spec.kind === "boolean"
          ? ""
          : ` ${spec.value ?? (spec.kind === "integer" || spec.kind === "number" ? "N" : "VALUE")}`;
      const notes = [
        spec.default !== undefined && spec.default !== "" ? `default ${spec.default}` : "",
        spec.kind === "list" || spec.kind === "entries" ? "repeatable or comma-separated" : "",
        envNames(name)
          .map((e) => `$${e}`)
          .join(", "),
      ].filter((s) => s !== "");
      rows.push([`--${name}${value}`, `${spec.help}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`]);
    }
    const width = Math.min(32, Math.max(...rows.map(([flag]) => flag.length)));
    const line = ([flag, help]: [string, string]) =>
      flag.length > width ? `  ${flag}\n  ${" ".repeat(width)}  ${help}` : `  ${flag.padEnd(width)}  ${help}`;
    const commands = Object.entries(definition.commands ?? {});
    const commandWidth = Math.max(0, ...commands.map(([name]) => name.length));
    return [
      `Usage: ${definition.program}${commands.length > 0 ? " [command]" : ""} [options]`,
      ...(definition.summary ? ["", definition.summary] : []),
      ...(commands.length > 0
        ? [
            "",
            "Commands:",
            ...commands.map(
              ([name, help], i) =>
                `  ${name.padEnd(commandWidth)}  ${help}${i === 0 ? " (the default)" : ""}`,
            ),
          ]
        : []),
      "",
      "Options (a flag wins over its environment variable, which wins over the --config file):",
      ...rows.map(line),
      ...(definition.footer ? ["", definition.footer] : []),
      "",
    ].join("\n");
  }

  function parse(
    argv: readonly string[],
    env: Record<string, string | undefined> = process.env,
    readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
  ): ParsedCommandLine<S> {
    let flags: Record<string, string | boolean | (string | boolean)[] | undefined>;
    let positionals: string[];
    try {
      ({ values: flags, positionals } = parseArgs({
        args: [...argv],
        options: {
          help: { type: "boolean", short: "h" },
          config: { type: "string" },
          ...Object.fromEntries(
            Object.entries(specs).map(([flag, spec]) => [
              flag,
              spec.kind === "boolean"
                ? { type: "boolean" as const }
                : { type: "string" as const, multiple: spec.kind === "list" || spec.kind === "entries" },
            ]),
          ),
        },
        strict: true,
        allowPositionals: definition.commands !== undefined || definition.positionals === true,
      }));
    } catch (error) {
      // node's messages add a hint after the first sentence ("To specify a positional ..."): keep one line.
      const message = ((error as Error).message.split("\n")[0] as string).replace(/\. To specify.*$/, "");
      throw new UsageError(message);
    }
    if (flags.help === true) return { help: true };

    let command: string | undefined;
    let args = positionals;
    if (definition.commands !== undefined) {
      const names = Object.keys(definition.commands);
      const [first, ...rest] = positionals;
      command = first ?? names[0];
      if (!names.includes(command as string)) {
        throw new UsageError(`unknown command "${first}" (commands: ${names.join(", ")})`);
      }
      args = rest;
    }

    const configPath = (flags.config as string | undefined) ?? nonEmpty(env[configEnv]);
    const config = configPath === undefined ? {} : readConfig(configPath, readFile);

    const options: Record<string, unknown> = {};
    const sources: Record<string, OptionSource> = {};
    for (const [flag, spec] of Object.entries(specs)) {
      const isList = spec.kind === "list" || spec.kind === "entries";
      const fromFlag = flags[flag];
      const fromEnv = envNames(flag)
        .map((name) => [name, nonEmpty(env[name])] as const)
        .find(([, v]) => v !== undefined);
      const fromConfig = spec.flagOnly ? undefined : config[flag];
      let raw: unknown;
      let where: string;
      if (fromFlag !== undefined) {
        [raw, where, sources[flag]] = [fromFlag, `--${flag}`, "flag"];
      } else if (fromEnv !== undefined) {
        [raw, where, sources[flag]] = [fromEnv[1], `$${fromEnv[0]}`, "env"];
      } else if (fromConfig !== undefined) {
        [raw, where, sources[flag]] = [fromConfig, `"${flag}" in ${configPath}`, "config"];
      } else {
        [raw, where] = [spec.default, `--${flag}`];
        if (raw !== undefined) sources[flag] = "default";
      }
      if (isList) {
        options[flag] = listValue(where, raw, spec.kind === "entries");
      } else if (raw === undefined) {
        options[flag] = spec.kind === "boolean" ? false : undefined;
      } else if (typeof raw === "boolean") {
        options[flag] = raw;
      } else if (typeof raw !== "string" && typeof raw !== "number") {
        throw new UsageError(
          `${where} must be a ${spec.kind === "boolean" ? "boolean" : "string or a number"}`,
        );
      } else {
        options[flag] = scalarValue(where, String(raw), spec);
      }
    }
    return {
      help: false,
      options: options as ResolvedOptions<S>,
      sources: sources as { [K in keyof S]?: OptionSource },
      command,
      args,
    };
  }

  function readConfig(path: string, readFile: (path: string) => string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(path));
    } catch (error) {
      throw new UsageError(`cannot read the config file ${path}: ${(error as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`the config file ${path} must hold a JSON object`);
    }
    for (const key of Object.keys(parsed)) {
      const spec = specs[key];
      if (spec === undefined || spec.flagOnly) {
        throw new UsageError(`unknown option "${key}" in the config file ${path}`);
      }
    }
    return parsed as Record<string, unknown>;
  }

  return { program: definition.program, options: definition.options, envNames, usage, parse };
}

function listValue(where: string, raw: unknown, entries: boolean): Entry[] {
  if (raw === undefined) return [];
  const items = Array.isArray(raw) ? raw : [raw];
  return items.flatMap((item): Entry[] => {
    if (typeof item === "string") return item.split(",").flatMap((s) => (s.trim() === "" ? [] : [s.trim()]));
    if (entries && typeof item === "object" && item !== null && !Array.isArray(item)) {
      return [item as Record<string, unknown>];
    }
    throw new UsageError(
      `${where} must be ${entries ? "strings or objects" : "strings"}, got ${JSON.stringify(item)}`,
    );
  });
}

function scalarValue(where: string, raw: string, spec: OptionSpec): string | number | boolean {
  switch (spec.kind) {
    case "integer":
    case "number": {
      const n = Number(raw);
      const min = spec.min ?? 0;
      const ok =
        raw.trim() !== "" && Number.isFinite(n) && (spec.kind === "number" || Number.isSafeInteger(n));
      if (!ok || n < min) {
        throw new UsageError(
          `${where} must be ${spec.kind === "integer" ? "an integer" : "a number"} ≥ ${min}, got "${raw}"`,
        );
      }
      return n;
    }
    case "boolean":
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw new UsageError(`${where} must be true, false, 1 or 0, got "${raw}"`);
    default:
      return raw;
  }
}

/**
 * Parses `argv` for a CLI's entry point: `--help` prints the usage and exits 0; a
 * {@link UsageError} prints `<program>: <message>` and the usage, and exits 2.
 */
export function parseOrExit<S extends OptionSpecs>(
  commandLine: CommandLine<S>,
  argv: readonly string[] = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env,
): Extract<ParsedCommandLine<S>, { help: false }> {
  try {
    const parsed = commandLine.parse(argv, env);
    if (parsed.help) {
      process.stdout.write(commandLine.usage());
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return exitWithUsage(commandLine, error.message);
  }
}

/** Prints `<program>: <message>` and the usage on stderr and exits 2. */
export function exitWithUsage(commandLine: CommandLine<OptionSpecs>, message: string): never {
  process.stderr.write(`${commandLine.program}: ${message}\n\n${commandLine.usage()}`);
  process.exit(2);
}
