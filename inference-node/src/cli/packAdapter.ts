import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { addAdapterToDir } from "../adapters/adapterDir.js";
import { packPeftAdapter } from "../adapters/peft.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "adapters-dir": { type: "string", default: ".data/adapters" }, id: { type: "string" } },
});
const peftDir = positionals[0];
if (!peftDir || !values.id) {
  console.error("usage: pack-adapter <peft-dir> --id <adapter-id> [--adapters-dir <dir>]");
  process.exit(2);
}
const packaged = packPeftAdapter(
  await readFile(join(peftDir, "adapter_config.json"), "utf8"),
  new Uint8Array(await readFile(join(peftDir, "adapter_model.safetensors"))),
);
const sha256 = await addAdapterToDir(values["adapters-dir"] as string, values.id, packaged);
console.log(sha256);
