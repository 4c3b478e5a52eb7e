import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { defineConfig } from "@wagmi/cli";
import { foundry, react } from "@wagmi/cli/plugins";

// ABIs come from the forge artifacts of the sources in contracts/ (implementations and
// interfaces); tests, scripts and libraries' artifacts are left out.
const root = resolve(import.meta.dirname, "..");
// Relative to the root: the plugin joins it onto the project path.
const artifacts = relative(root, resolve(root, process.env.FOUNDRY_OUT ?? "out"));

function solidityFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return solidityFiles(path);
    return entry.name.endsWith(".sol") ? [relative(dir, path)] : [];
  });
}

const include = solidityFiles(join(root, "contracts")).map((file) => `${file.split("/").pop()}/*.json`);
const contracts = foundry({ project: root, artifacts, forge: { build: false, rebuild: false }, include });

const config: ReturnType<typeof defineConfig> = defineConfig([
  { out: "src/generated/abis.ts", plugins: [contracts] },
  { out: "src/generated/react.ts", plugins: [contracts, react()] },
]);
export default config;
