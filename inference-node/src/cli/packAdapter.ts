import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defineCommandLine, exitWithUsage, parseOrExit } from "@payable-ai/service";
import { addAdapterToDir } from "../adapters/adapterDir.js";
import { packPeftAdapter } from "../adapters/peft.js";

const packCommandLine = defineCommandLine({
  program: "pack-adapter",
  summary: "pack-adapter <peft-dir> --id <adapter-id>: adds a PEFT adapter to an adapters directory.",
  envPrefix: "PACK_ADAPTER",
  positionals: true,
  options: {
    id: { kind: "string", value: "ADAPTER_ID", help: "id the adapter is registered under (required)" },
    "adapters-dir": {
      kind: "string",
      default: ".data/adapters",
      help: "registry.json + blobs/ to add it to",
    },
  },
  footer: "<peft-dir> holds adapter_config.json and adapter_model.safetensors.",
});
const { options: values, args: positionals } = parseOrExit(packCommandLine);
const peftDir = positionals[0] ?? exitWithUsage(packCommandLine, "missing <peft-dir>");
if (positionals.length > 1) exitWithUsage(packCommandLine, `unexpected argument "${positionals[1]}"`);
const id = values.id;
if (id === undefined || id === "") exitWithUsage(packCommandLine, "missing --id <adapter-id>");

const packaged = packPeftAdapter(
  await readFile(join(peftDir, "adapter_config.json"), "utf8"),
  new Uint8Array(await readFile(join(peftDir, "adapter_model.safetensors"))),
);
const sha256 = await addAdapterToDir(values["adapters-dir"], id, packaged);
console.log(sha256);
