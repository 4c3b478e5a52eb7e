import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const repositoryRoot = resolve(import.meta.dirname, "../..");
const inferenceNodeCli = (name: string) => join(repositoryRoot, "inference-node/src/cli", name);
const tsx = ["--import", "tsx"];

/** The one-layer, hidden-32 Llama of the tests (milliseconds per token). */
export const TINY_SHAPE = [
  "--layers",
  "1",
  "--hidden",
  "32",
  "--heads",
  "2",
  "--kv-heads",
  "1",
  "--intermediate",
  "64",
];

/**
 * A generated Llama (`shape`: `generate-model` flags; the tiny one by default, `[]` for the
 * node's small model) and `count` PEFT adapters `demo-0…`, written by the node's own CLI.
 */
export async function generateModel(count: number, shape: string[] = TINY_SHAPE) {
  const directory = await mkdtemp(join(tmpdir(), "router-model-"));
  const modelDir = join(directory, "model");
  const adaptersDir = join(directory, "adapters");
  await promisify(execFile)(
    process.execPath,
    [
      ...tsx,
      inferenceNodeCli("generateModel.ts"),
      ...["--model-dir", modelDir, "--adapters-dir", adaptersDir, "--adapters", String(count)],
      ...shape,
    ],
    { cwd: repositoryRoot },
  );
  const registry = JSON.parse(await readFile(join(adaptersDir, "registry.json"), "utf8")) as {
    adapters: Record<string, { sha256: string }>;
  };
  const hashes = Object.fromEntries(Object.entries(registry.adapters).map(([id, a]) => [id, a.sha256]));
  return {
    directory,
    modelDir,
    adaptersDir,
    /** Adapter id → sha256 of its package. */
    hashes,
    /** A registry file naming the same blobs differently (`rename(id)`), as another server would. */
    async renamedRegistry(rename: (id: string) => string): Promise<string> {
      const path = join(directory, `registry-${Math.random().toString(36).slice(2)}.json`);
      const adapters = Object.fromEntries(
        Object.entries(hashes).map(([id, sha256]) => [rename(id), { sha256 }]),
      );
      await writeFile(path, JSON.stringify({ adapters }));
      return path;
    },
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}

export interface NodeProcess {
  url: string;
  process: ChildProcess;
  /** SIGKILL: the node vanishes mid-work, as a crashed machine does. */
  kill(): Promise<void>;
  /** SIGTERM: the node's bounded drain. */
  stop(): Promise<void>;
}

/** A real inference node process (`inference-node start`) on a free loopback port. */
export async function startNodeProcess(
  model: { modelDir: string; adaptersDir: string },
  extra: string[] = [],
): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [
      ...tsx,
      inferenceNodeCli("start.ts"),
      ...["--model-dir", model.modelDir, "--adapters-dir", model.adaptersDir],
      ...["--port", "0", "--threads", "1", "--shutdown-grace-ms", "2000"],
      ...extra,
    ],
    { cwd: repositoryRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let recent = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    let buffered = "";
    child.stdout.on("data", function findUrl(chunk: Buffer) {
      buffered += chunk.toString();
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        recent = `${recent}${line}\n`.slice(-2000);
        if (line.includes('"inference node listening"')) {
          // From here on the node's access lines are drained, not read.
          child.stdout.off("data", findUrl);
          child.stdout.resume();
          resolveUrl((JSON.parse(line) as { url: string }).url);
          return;
        }
        newline = buffered.indexOf("\n");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      recent = (recent + chunk.toString()).slice(-2000);
    });
    child.once("exit", (code) =>
      reject(new Error(`inference node exited (${code}) before listening:\n${recent}`)),
    );
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, process: child, kill: () => end("SIGKILL"), stop: () => end("SIGTERM") };
}

/** One Prometheus sample's value (0 when absent). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}
