import { parseArgs } from "node:util";

export interface OptionSpec {
  type: "string" | "boolean";
  /** Shown in the usage text. */
  help: string;
  default?: string;
  /** Name of the value in the usage text (default: `<value>`). */
  value?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The usage text: a synopsis line, then one line per option with its default. */
export function usageText(synopsis: string, options: OptionSpecs, footer = ""): string {
  const rows = Object.entries(options).map(([name, o]) => [
    `--${name}${o.type === "string" ? ` ${o.value ?? "<value>"}` : ""}`,
    `${o.help}${o.default === undefined ? "" : ` (default: ${o.default})`}`,
  ]);
  rows.push(["-h, --help", "print this help and exit"]);
  const width = Math.max(...rows.map(([flag]) => (flag as string).length));
  const lines = rows.map(([flag, help]) => `  ${(flag as string).padEnd(width)}  ${help}`);
  return `usage: ${synopsis}\n\noptions:\n${lines.join("\n")}\n${footer ? `\n${footer}\n` : ""}`;
}

/** Exits 2 with a one-line error and the usage text on stderr. */
export function usageError(message: string, usage: string): never {
  process.stderr.write(`error: ${message}\n\n${usage}`);
  process.exit(2);
}

/**
 * Parses `argv` strictly: `--help` prints the usage and exits 0; an unknown option, a missing
 * value or an unexpected positional exits 2 with a one-line error and the usage. Defaults are not
 * applied, so a caller can tell a flag that was given from one that was not.
 */
export function parseCommandLine(
  argv: string[],
  synopsis: string,
  options: OptionSpecs,
  { allowPositionals = false, footer = "" }: { allowPositionals?: boolean; footer?: string } = {},
): { values: Record<string, string | boolean | undefined>; positionals: string[]; usage: string } {
  const usage = usageText(synopsis, options, footer);
  const config = Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type }]));
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...config, help: { type: "boolean", short: "h" } },
      allowPositionals,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(usage);
      process.exit(0);
    }
    return { values: values as Record<string, string | boolean | undefined>, positionals, usage };
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (!code.startsWith("ERR_PARSE_ARGS")) throw error;
    // node's messages carry a hint after the first sentence ("To specify a positional ..."); keep one line.
    const message = ((error as Error).message.split("\n")[0] as string).replace(/\. To specify.*$/, "");
    return usageError(message, usage);
  }
}
