import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { contentHash, type Deployment, registerModel } from "@payable-ai/sdk";
import { type Hex, parseEther, sha256, toBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevnetClients } from "./clients.js";
import { demoKeys } from "./demo.js";
import { demoFacts, factContent } from "./demoDatanet.js";
import { FactoryClient, type FactoryJob, uploadBlob } from "./httpClients.js";

/** Name of the demo base model in the Model Factory (and the on-chain `baseModelId`). */
export const DEMO_BASE_MODEL = "llama-demo";

/**
 * The Model Factory preset the demo model is trained with: `memorize` makes the tiny base learn
 * every fact of its datanet word for word (measured: 16 of 16 demo answers exact after its 500
 * steps, about two minutes on two cores).
 */
export const DEMO_PRESET = "memorize";

export type DemoModel = {
  modelId: bigint;
  adapterHash: Hex;
  /** The Model Factory job that trained it; undefined when the adapter came from the cache. */
  jobId: string | undefined;
  fromCache: boolean;
};

export type FineTuneDemoParameters = {
  clients: DevnetClients;
  deployment: Deployment;
  datanetId: bigint;
  contributionIds: readonly bigint[];
  factoryUrl: string;
  gatewayUrl: string;
  /** Trained adapters are kept here across starts, keyed by everything the training depends on. */
  cacheDir: string;
  log(message: string): void;
};

type CachedTraining = {
  adapterHash: Hex;
  metadataURI: string;
  manifestRoot: Hex;
  steps: number;
};

/**
 * The demo model, made as a model developer makes one: the Model Factory fine-tunes the demo
 * base on the datanet's accepted contributions (read through the gateway with the developer's
 * signed access), publishes the adapter and its training manifest on the gateway, and the
 * developer registers it. The trained adapter is cached, so later starts only publish and
 * register it.
 */
export async function fineTuneDemoModel(parameters: FineTuneDemoParameters): Promise<DemoModel> {
  const { clients, deployment, datanetId, contributionIds, factoryUrl, gatewayUrl, log } = parameters;
  const factory = new FactoryClient(factoryUrl);
  // The cache is keyed by everything the adapter's bytes depend on, the preset's settings included.
  const preset = await factory.preset(DEMO_PRESET);
  const key = sha256(
    toBytes(
      JSON.stringify({
        version: 1,
        base: DEMO_BASE_MODEL,
        preset: DEMO_PRESET,
        hyperparameters: preset,
        contributions: contributionIds.map((id, i) => [id.toString(), factContent(demoFacts[i] as never)]),
      }),
    ),
  ).slice(2, 18);
  const cacheDir = join(parameters.cacheDir, key);
  const cached = await readCache(cacheDir);
  let training: CachedTraining;
  let jobId: string | undefined;
  if (cached) {
    const { adapter, manifest, summary } = cached;
    await uploadBlob(gatewayUrl, adapter, "public");
    await uploadBlob(gatewayUrl, manifest, "public");
    training = summary;
    log(`the fine-tuned adapter of an earlier start (${summary.steps} steps) is reused`);
  } else {
    const created = await factory.fineTune({
      account: privateKeyToAccount(demoKeys.developer),
      chainId: clients.chain.id,
      datanetRegistry: deployment.contracts.DatanetRegistry,
      datanetId,
      contributionIds,
      baseModel: DEMO_BASE_MODEL,
      name: "Biology tutor (demo)",
      preset: DEMO_PRESET,
    });
    jobId = created.id;
    log(
      `fine-tuning ${DEMO_BASE_MODEL} on datanet ${datanetId} (${contributionIds.length} contributions, ` +
        `preset ${DEMO_PRESET}, first start only; NO_DEMO_TRAINING=1 skips it)`,
    );
    let lastShown = -1;
    const job = await factory.waitForJob(created.id, (progress) => {
      const tenth = Math.floor((progress.step / progress.totalSteps) * 10);
      if (tenth === lastShown) return;
      lastShown = tenth;
      log(
        `step ${progress.step}/${progress.totalSteps}, loss ${progress.loss.toFixed(3)}, ` +
          `about ${Math.max(0, Math.round(progress.etaSeconds))} s left`,
      );
    });
    const output = completedOutput(job);
    const adapter = await factory.adapter(created.id);
    const manifestHash = blobHash(output.manifestURI);
    const manifest = new Uint8Array(
      await (await fetch(`${gatewayUrl}/blobs/${manifestHash.slice(2)}`)).arrayBuffer(),
    );
    if (contentHash(manifest) !== manifestHash) throw new Error("the gateway served a different manifest");
    training = {
      adapterHash: output.adapterHash,
      metadataURI: output.metadataURI,
      manifestRoot: output.manifestRoot,
      steps: output.steps,
    };
    await writeCache(cacheDir, { adapter, manifest, summary: training });
    log(`trained in ${output.steps} steps`);
  }

  const { modelId } = await registerModel(clients.wallet(demoKeys.developer), {
    contracts: deployment.contracts,
    baseModelId: DEMO_BASE_MODEL,
    adapterHash: training.adapterHash,
    adapterURI: `blob:${training.adapterHash}`,
    manifestRoot: training.manifestRoot,
    datanetIds: [datanetId],
    pricePerRequest: parseEther("2"),
    metadataURI: training.metadataURI,
  });
  log(`registered as model ${modelId} with its training manifest`);
  return { modelId, adapterHash: training.adapterHash, jobId, fromCache: cached !== undefined };
}

function completedOutput(job: FactoryJob) {
  const output = job.output;
  if (job.status !== "completed" || output === null) {
    throw new Error(`the demo fine-tune ended ${job.status}: ${job.error ?? "no output"}`);
  }
  if (output.manifestURI === null || output.manifestRoot === null) {
    throw new Error("the demo fine-tune has no training manifest");
  }
  return { ...output, manifestURI: output.manifestURI, manifestRoot: output.manifestRoot };
}

function blobHash(uri: string): Hex {
  const match = /^blob:(0x[0-9a-f]{64})$/.exec(uri);
  if (!match) throw new Error(`not a blob URI: ${uri}`);
  return match[1] as Hex;
}

async function readCache(
  dir: string,
): Promise<{ adapter: Uint8Array; manifest: Uint8Array; summary: CachedTraining } | undefined> {
  try {
    const summary = JSON.parse(await readFile(join(dir, "summary.json"), "utf8")) as CachedTraining;
    const adapter = new Uint8Array(await readFile(join(dir, "adapter.bin")));
    const manifest = new Uint8Array(await readFile(join(dir, "manifest.json")));
    if (contentHash(adapter) !== summary.adapterHash) return undefined;
    return { adapter, manifest, summary };
  } catch {
    return undefined;
  }
}

async function writeCache(
  dir: string,
  entry: { adapter: Uint8Array; manifest: Uint8Array; summary: CachedTraining },
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await mkdir(tmp, { recursive: true });
  await writeFile(join(tmp, "adapter.bin"), entry.adapter);
  await writeFile(join(tmp, "manifest.json"), entry.manifest);
  await writeFile(join(tmp, "summary.json"), JSON.stringify(entry.summary, null, 2));
  await rename(tmp, dir).catch(() => undefined);
}
