// Builds the publishable package of the SDK and packs it with `npm pack`:
//   node scripts/pack.mjs [--out <dir>]
// The workspace package points its exports at the TypeScript sources (so the repository's
// services and tests run without a build step); the published one holds compiled JavaScript,
// type declarations and the generated ABIs, in .package/, with exports pointing there.
// `@payable-ai/sdk/testing` (anvil and the repository's deploy script) is left out.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const sdk = resolve(import.meta.dirname, "..");
const root = resolve(sdk, "..");
const stage = resolve(sdk, ".package");
const { values } = parseArgs({ options: { out: { type: "string", default: sdk } } });

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? "");
    console.error(`sdk pack: ${command} ${args.join(" ")} failed`);
    process.exit(1);
  }
  return result.stdout;
}

if (!existsSync(resolve(sdk, "src/generated/abis.ts"))) {
  console.error("sdk pack: src/generated/ is missing; run `npm run generate -w sdk` first.");
  process.exit(1);
}
rmSync(stage, { recursive: true, force: true });
run(process.execPath, [resolve(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], sdk);

const workspace = JSON.parse(readFileSync(resolve(sdk, "package.json"), "utf8"));
const entry = (name) => ({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
const manifest = {
  name: workspace.name,
  version: workspace.version,
  description:
    "TypeScript SDK of Payable AI (viem): typed ABIs, actions, EIP-712 types, the data-gateway client, wagmi hooks",
  license: "MIT",
  type: "module",
  sideEffects: false,
  exports: {
    ".": entry("index"),
    "./abis": entry("generated/abis"),
    "./node": entry("node/index"),
    "./wagmi": entry("wagmi"),
    "./package.json": "./package.json",
  },
  files: ["dist", "README.md"],
  engines: { node: ">=20" },
  dependencies: workspace.dependencies,
  peerDependencies: workspace.peerDependencies,
  peerDependenciesMeta: workspace.peerDependenciesMeta,
};
writeFileSync(resolve(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
copyFileSync(resolve(sdk, "README.md"), resolve(stage, "README.md"));
mkdirSync(values.out, { recursive: true });
const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", resolve(values.out)], stage));
console.log(resolve(values.out, packed.filename));
