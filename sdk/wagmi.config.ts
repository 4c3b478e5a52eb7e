import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { defineConfig } from "@wagmi/cli";
import { foundry, react } from "@wagmi/cli/plugins";

// ABIs come from the forge artifacts of the sources in contracts/ (implementations and
// interfaces); tests, scripts and libraries' artifacts are left out.
const root = resolve(import.meta.dirname, "..");
// Relative to the root: the plugin joins it onto the project path.
const artifacts = relative(root, resolve(root, process.env.FOUNDRY_OUT ?? "out"));

/** The `.sol` files under `dir`, as paths relative to `base`. */
function solidityFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return solidityFiles(path, base);
    return entry.name.endsWith(".sol") ? [relative(base, path)] : [];
  });
}

const sources = solidityFiles(join(root, "contracts"));
const artifactsOf = (files: string[]) => files.map((file) => `${file.split("/").pop()}/*.json`);
const forge = { build: false, rebuild: false };
const contracts = foundry({ project: root, artifacts, forge, include: artifactsOf(sources) });
// Hooks only for the deployed contracts: an interface's hooks would repeat its implementation's.
const implementations = foundry({
  project: root,
  artifacts,
  forge,
  include: artifactsOf(sources.filter((file) => !file.startsWith("interfaces/"))),
});

const config: ReturnType<typeof defineConfig> = defineConfig([
  { out: "src/generated/abis.ts", plugins: [contracts] },
  { out: "src/generated/react.ts", plugins: [implementations, react()] },
]);
export default config;
