import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";

/** The repository root (the folder with foundry.toml). */
export const repositoryRoot = resolve(import.meta.dirname, "../../..");

/**
 * Path of a Foundry binary (`forge`, `anvil`, `cast`) from its npm platform package. The npm
 * launchers in node_modules/.bin neither pass on the exit status nor stop the child when
 * killed hard, so tools and tests run the binary itself.
 */
export function foundryBinary(tool: "forge" | "anvil" | "cast"): string {
  const dir = resolve(repositoryRoot, "node_modules/@foundry-rs");
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      const path = resolve(dir, name, "bin", tool);
      if (name.startsWith(`${tool}-`) && existsSync(path)) return path;
    }
  }
  return tool;
}
