import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { addAdapterToDir } from "../adapters/adapterDir.js";
import { packPeftAdapter } from "../adapters/peft.js";
import { parseCommandLine, usageError } from "./args.js";

const { values, positionals, usage } = parseCommandLine(
  process.argv.slice(2),
  "pack-adapter <peft-dir> --id <adapter-id> [--adapters-dir <dir>]",
  {
    id: { type: "string", value: "<adapter-id>", help: "id the adapter is registered under (required)" },
    "adapters-dir": {
      type: "string",
      default: ".data/adapters",
      help: "registry.json + blobs/ to add it to",
    },
  },
  { allowPositionals: true, footer: "<peft-dir> holds adapter_config.json and adapter_model.safetensors." },
);
const peftDir = positionals[0];
if (!peftDir) usageError("missing <peft-dir>", usage);
if (positionals.length > 1) usageError(`unexpected argument "${positionals[1]}"`, usage);
const id = values.id;
if (typeof id !== "string" || id === "") usageError("missing --id <adapter-id>", usage);

const packaged = packPeftAdapter(
  await readFile(join(peftDir, "adapter_config.json"), "utf8"),
  new Uint8Array(await readFile(join(peftDir, "adapter_model.safetensors"))),
);
const sha256 = await addAdapterToDir(
  (values["adapters-dir"] as string | undefined) ?? ".data/adapters",
  id,
  packaged,
);
console.log(sha256);
