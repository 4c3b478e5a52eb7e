#!/usr/bin/env node
// Runs a Foundry tool (forge, anvil, cast) from its npm platform package and
// exits with the tool's own status. The packages' `bin` launchers exit 0 even
// when the tool fails, which would let `forge test` failures pass `npm test`.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [tool, ...args] = process.argv.slice(2);
const ARCHES = { x64: "amd64", arm64: "arm64" };

if (!["forge", "anvil", "cast"].includes(tool)) {
  console.error("usage: node script/foundry.mjs <forge|anvil|cast> [args...]");
  process.exit(2);
}
const executable = `${tool}${process.platform === "win32" ? ".exe" : ""}`;
const binary = require.resolve(
  `@foundry-rs/${tool}-${process.platform}-${ARCHES[process.arch] ?? process.arch}/bin/${executable}`,
);
const result = spawnSync(binary, args, { stdio: "inherit" });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
