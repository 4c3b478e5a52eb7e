// Builds the contracts with forge and generates the typed ABI modules (src/generated/) with
// @wagmi/cli. Runs on install (postinstall, tolerant: a tree whose contracts do not compile
// yet still installs) and before the tests (strict).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const sdk = resolve(import.meta.dirname, "..");
const root = resolve(sdk, "..");
const tolerant = process.argv.includes("--if-buildable");

// Only contracts/ is compiled (tests are not needed for ABIs) and lints do not fail the build.
// script/foundry.mjs runs the platform binary and passes on its exit status.
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  return result.status === 0;
}

const ok =
  run(
    process.execPath,
    [resolve(root, "script/foundry.mjs"), "forge", "build", "--root", root, "--deny", "never", "contracts"],
    root,
  ) && run(resolve(root, "node_modules/.bin/wagmi"), ["generate"], sdk);
if (!ok) {
  const message = "sdk: could not build the contracts or generate the ABIs in src/generated/.";
  if (tolerant) console.warn(`${message} Run \`npm run generate -w sdk\` once they compile.`);
  else {
    console.error(message);
    process.exit(1);
  }
}
