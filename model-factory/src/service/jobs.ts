import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import type { Hex } from "viem";
import { z } from "zod";
import { readAdapterPackage } from "../base/inferenceNode.js";
import { type BaseModel, loadBaseModel } from "../base/loadBaseModel.js";
import type { DatanetSelection, DataSource, SignedAccessRequest } from "../data/dataSource.js";
import type { TrainingExample } from "../data/examples.js";
import { FactoryError } from "../errors.js";
import { buildTrainingManifest } from "../output/manifest.js";
import { ADAPTER_PACKAGE_FILE } from "../output/peftAdapter.js";
import { publishTrainingResult } from "../output/publish.js";
import { initBackend } from "../train/backend.js";
import type { TrainingEvaluation } from "../train/evaluate.js";
import { greedyAnswer } from "../train/generate.js";
import {
  defaultPresetFor,
  type HyperparameterOverrides,
  type Hyperparameters,
  hyperparameterOverridesSchema,
  PRESET_NAMES,
  type PresetName,
  resolveHyperparameters,
} from "../train/hyperparameters.js";
import { LoraLlama, loraStateOf } from "../train/loraLlama.js";
import { type TrainProgress, train } from "../train/trainer.js";

export const JOB_STATUSES = [
  "queued",
  "fetching_data",
  "training",
  "completed",
  "failed",
  "cancelled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
const TERMINAL: readonly JobStatus[] = ["completed", "failed", "cancelled"];

export interface JobRecord {
  id: string;
  name: string;
  baseModel: string;
  datanets: { datanetId: string; contributionIds: string[] }[];
  /**
   * The preset the hyperparameters start from. A job that names none gets one when its data
   * arrives (`memorize` when every example is a question with an answer, else `standard`): null
   * until then, and `hyperparameters` are the explicit fields over the standard defaults.
   */
  preset: PresetName | null;
  /** The fields the request set explicitly; they override the preset. */
  overrides: HyperparameterOverrides;
  /** The settings the job trains with. */
  hyperparameters: Hyperparameters;
  status: JobStatus;
  createdAt: string;
  updatedAt: string;
  /** Times the service restarted while the job was unfinished and picked it up again. */
  restarts: number;
  progress: TrainProgress | null;
  /** Training loss at every step so far, so a job reopened later draws its whole curve. */
  losses: { step: number; loss: number }[];
  evals: { step: number; loss: number; perplexity: number }[];
  resumedFromStep: number | null;
  error: string | null;
  output: {
    adapterHash: Hex;
    /** Where inference nodes fetch the adapter package (the gateway's public blob), if published. */
    adapterURI: string | null;
    manifestRoot: Hex | null;
    /** `blob:0x<sha256>` of the training manifest published on the gateway, if published. */
    manifestURI: string | null;
    /** Metadata to register the model with: name, base model and the training manifest. */
    metadataURI: string;
    contributions: number;
    evalLossBase: number | null;
    evalLossTuned: number | null;
    steps: number;
    stoppedEarly: boolean;
  } | null;
  /**
   * Once completed: greedy exact match, byte accuracy and losses of the adapter, of the untrained
   * base and of a byte n-gram baseline fit on the same training split.
   */
  evaluation: TrainingEvaluation | null;
}

export type JobEvent =
  | { type: "status"; job: JobRecord }
  | { type: "progress"; jobId: string; progress: TrainProgress }
  | { type: "eval"; jobId: string; step: number; loss: number; perplexity: number };

const bigintLike = z
  .union([z.string().regex(/^\d+$/, "a decimal integer"), z.number().int().nonnegative()])
  .transform((v) => BigInt(v));

/** Body of `POST /jobs`. */
export const createJobSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    baseModel: z.string().min(1),
    datanets: z
      .array(z.object({ datanetId: bigintLike, contributionIds: z.array(bigintLike).min(1).max(100_000) }))
      .min(1),
    access: z.array(
      z.object({
        request: z.object({
          account: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address"),
          datanetId: bigintLike,
          nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "32 bytes of hex"),
          expiresAt: bigintLike,
        }),
        signature: z.string().regex(/^0x[0-9a-fA-F]+$/, "hex"),
      }),
    ),
    preset: z.enum(PRESET_NAMES).optional(),
    hyperparameters: hyperparameterOverridesSchema.optional().default({}),
  })
  .strict()
  .superRefine((body, ctx) => {
    for (const d of body.datanets) {
      if (!body.access.some((a) => a.request.datanetId === d.datanetId)) {
        ctx.addIssue({
          code: "custom",
          path: ["access"],
          message: `no signed access request for datanet ${d.datanetId}`,
        });
      }
    }
  });
export type CreateJobInput = z.input<typeof createJobSchema>;

class Cancelled extends Error {
  override name = "Cancelled";
}
class ServiceStopping extends Error {
  override name = "ServiceStopping";
}

export interface JobManagerOptions {
  dataDir: string;
  /** Base model name → model directory of the inference node. */
  baseModels: Record<string, string>;
  dataSource: DataSource;
  /** Job lifecycle events (one child per job, with its `jobId`); silent when left out. */
  logger?: Logger;
}

/** Training progress goes to the log at most this often (and at every evaluation). */
const PROGRESS_LOG_INTERVAL_MS = 10_000;

const DATA_FILE = "data.json";

/** `<gateway>/blobs/<sha256>` → `0x<sha256>`. */
function sha256Hex(blobUrl: string): Hex {
  const id = blobUrl.slice(blobUrl.lastIndexOf("/") + 1);
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`unexpected blob URL ${blobUrl}`);
  return `0x${id}`;
}
const JOB_FILE = "job.json";

/**
 * Fine-tuning jobs, one at a time (training uses every core), persisted as
 * `<dataDir>/jobs/<id>/job.json`. The fetched examples are kept beside the job, so a job
 * interrupted by a restart resumes from its last checkpoint without asking for new signatures;
 * a job interrupted before its data arrived fails with a message to resubmit.
 */
export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly listeners = new Map<string, Set<(event: JobEvent) => void>>();
  private readonly pendingAccess = new Map<
    string,
    { selections: DatanetSelection[]; access: SignedAccessRequest[] }
  >();
  private readonly bases = new Map<string, Promise<BaseModel>>();
  private readonly writes = new Map<string, Promise<void>>();
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly logger: Logger;

  private constructor(private readonly options: JobManagerOptions) {
    this.logger = options.logger ?? pino({ level: "silent" });
  }

  static async open(options: JobManagerOptions): Promise<JobManager> {
    const manager = new JobManager(options);
    await manager.restore();
    return manager;
  }

  get dataSource(): DataSource {
    return this.options.dataSource;
  }

  get baseModelNames(): string[] {
    return Object.keys(this.options.baseModels);
  }

  list(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  get(id: string): JobRecord {
    const job = this.jobs.get(id);
    if (!job) throw new FactoryError(404, "job_not_found", `no job ${id}`);
    return job;
  }

  /** Creates and queues a job; `log` (the request's logger) ties the `job created` line to the request. */
  async create(input: z.output<typeof createJobSchema>, log: Logger = this.logger): Promise<JobRecord> {
    if (!(input.baseModel in this.options.baseModels)) {
      throw new FactoryError(
        400,
        "unknown_base_model",
        `base model ${JSON.stringify(input.baseModel)} is not served here; choose one of ${this.baseModelNames.join(", ")}`,
      );
    }
    const now = new Date().toISOString();
    const job: JobRecord = {
      id: randomUUID(),
      name: input.name ?? `${input.baseModel} fine-tune`,
      baseModel: input.baseModel,
      datanets: input.datanets.map((d) => ({
        datanetId: d.datanetId.toString(),
        contributionIds: d.contributionIds.map(String),
      })),
      preset: input.preset ?? null,
      overrides: input.hyperparameters,
      hyperparameters: resolveHyperparameters(input.hyperparameters, input.preset),
      status: "queued",
      createdAt: now,
      updatedAt: now,
      restarts: 0,
      progress: null,
      losses: [],
      evals: [],
      resumedFromStep: null,
      error: null,
      output: null,
      evaluation: null,
    };
    // Written first: a job the disk refused is not listed, queued or answered.
    await this.persist(job);
    this.jobs.set(job.id, job);
    // Signed requests live in memory only: they are single-use credentials, not job settings.
    this.pendingAccess.set(job.id, {
      selections: input.datanets,
      access: input.access.map((a) => ({
        request: { ...a.request, account: a.request.account as Hex, nonce: a.request.nonce as Hex },
        signature: a.signature as Hex,
      })),
    });
    log.info(
      {
        jobId: job.id,
        baseModel: job.baseModel,
        datanets: job.datanets.map((d) => d.datanetId),
        contributions: job.datanets.reduce((n, d) => n + d.contributionIds.length, 0),
        preset: job.preset,
      },
      "job created",
    );
    this.enqueue(job.id);
    return job;
  }

  async cancel(id: string): Promise<JobRecord> {
    const job = this.get(id);
    if (TERMINAL.includes(job.status)) {
      throw new FactoryError(409, "job_finished", `job ${id} is already ${job.status}`);
    }
    const controller = this.controllers.get(id);
    this.jobLog(id).info({ status: job.status }, "job cancel requested");
    if (controller) {
      controller.abort(new Cancelled(`job ${id} cancelled`));
    } else {
      await this.update(job, { status: "cancelled" });
    }
    return job;
  }

  /** Greedy answers of the base model and of the job's adapter to the same prompt. */
  async compare(id: string, prompt: string, maxTokens: number): Promise<{ base: string; tuned: string }> {
    const job = this.get(id);
    if (job.status !== "completed") {
      throw new FactoryError(
        409,
        "job_not_completed",
        `job ${id} is ${job.status}; compare answers once it completes`,
      );
    }
    await initBackend();
    const base = await this.base(job.baseModel);
    const bytes = new Uint8Array(await readFile(join(this.jobDir(id), "output", ADAPTER_PACKAGE_FILE)));
    const adapter = readAdapterPackage(id, bytes, base.llama);
    const model = new LoraLlama({
      llama: base.llama,
      weights: base.weights,
      lora: {
        rank: job.hyperparameters.rank,
        alpha: job.hyperparameters.alpha,
        targets: job.hyperparameters.targets,
        useRslora: job.hyperparameters.useRslora,
      },
      seed: 0,
    });
    try {
      // lora_B starts at zero, so before writeLora the model is the base model exactly.
      const baseAnswer = greedyAnswer(model, prompt, maxTokens);
      model.writeLora(loraStateOf(adapter.modules));
      return { base: baseAnswer, tuned: greedyAnswer(model, prompt, maxTokens) };
    } finally {
      model.dispose();
    }
  }

  /** The job's training examples (as fetched from the gateway), for retrieval over its contributions. */
  async examples(id: string): Promise<TrainingExample[]> {
    const job = this.get(id);
    if (!(await this.hasData(id)))
      throw new FactoryError(409, "no_data", `job ${job.id} has no fetched data`);
    return this.examplesFor(job, new AbortController().signal);
  }

  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    this.get(id);
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  jobDir(id: string): string {
    return join(this.options.dataDir, "jobs", id);
  }

  /** Stops the running job where it is (its checkpoint stays) and waits for the queue to settle. */
  async close(): Promise<void> {
    this.stopping = true;
    for (const controller of this.controllers.values())
      controller.abort(new ServiceStopping("service stopping"));
    await this.queue;
  }

  private async restore(): Promise<void> {
    const root = join(this.options.dataDir, "jobs");
    await mkdir(root, { recursive: true });
    for (const id of await readdir(root)) {
      let job: JobRecord;
      try {
        job = JSON.parse(await readFile(join(root, id, JOB_FILE), "utf8"));
      } catch {
        continue;
      }
      // Records written before losses were kept.
      job.losses ??= [];
      this.jobs.set(job.id, job);
    }
    for (const job of this.list().reverse()) {
      if (TERMINAL.includes(job.status)) continue;
      const log = this.jobLog(job.id);
      if (await this.hasData(job.id)) {
        job.restarts += 1;
        await this.update(job, { status: "queued" });
        log.info({ restarts: job.restarts, step: job.progress?.step ?? 0 }, "job resumed after a restart");
        this.enqueue(job.id);
      } else {
        const error =
          "the service restarted before the datanet data was fetched; submit the job again with a new signed access request";
        log.warn({ code: "data_not_fetched", reason: error }, "job failed");
        await this.update(job, { status: "failed", error });
      }
    }
  }

  private async hasData(id: string): Promise<boolean> {
    try {
      await readFile(join(this.jobDir(id), DATA_FILE));
      return true;
    } catch {
      return false;
    }
  }

  private enqueue(id: string): void {
    this.queue = this.queue.then(() => this.run(id));
  }

  private async run(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (job?.status !== "queued" || this.stopping) return;
    const controller = new AbortController();
    this.controllers.set(id, controller);
    const { signal } = controller;
    const log = this.jobLog(id);
    const started = performance.now();
    try {
      const examples = await this.examplesFor(job, signal);
      if (job.preset === null) {
        const preset = defaultPresetFor(examples);
        await this.update(job, { preset, hyperparameters: resolveHyperparameters(job.overrides, preset) });
      }
      const base = await this.base(job.baseModel);
      await this.update(job, { status: "training" });
      const { rank, targets, maxSteps, epochs, learningRate, batchSize } = job.hyperparameters;
      log.info(
        {
          examples: examples.length,
          preset: job.preset,
          rank,
          targets,
          maxSteps,
          epochs,
          learningRate,
          batchSize,
        },
        "job training",
      );
      let lastWrite = 0;
      let lastLog = 0;
      const result = await train({
        base: { name: job.baseModel, llama: base.llama, weights: base.weights },
        examples,
        hyperparameters: job.hyperparameters,
        checkpointDir: join(this.jobDir(id), "checkpoints"),
        signal,
        onEval: (record) => {
          job.evals.push(record);
          this.emit(id, { type: "eval", jobId: id, ...record });
        },
        onProgress: (progress) => {
          job.progress = progress;
          // A resumed run repeats steps after its checkpoint: keep the latest loss of each step.
          while ((job.losses.at(-1)?.step ?? 0) >= progress.step) job.losses.pop();
          job.losses.push({ step: progress.step, loss: progress.loss });
          this.emit(id, { type: "progress", jobId: id, progress });
          if (Date.now() - lastLog >= PROGRESS_LOG_INTERVAL_MS || progress.evalLoss !== undefined) {
            lastLog = Date.now();
            log.info(
              {
                step: progress.step,
                totalSteps: progress.totalSteps,
                loss: progress.loss,
                evalLoss: progress.evalLoss,
                tokensPerSecond: progress.tokensPerSecond,
                etaSeconds: progress.etaSeconds,
              },
              "training progress",
            );
          }
          if (Date.now() - lastWrite > 1000 || progress.evalLoss !== undefined) {
            lastWrite = Date.now();
            this.persist(job).catch(() => undefined);
          }
        },
      });
      const out = await publishTrainingResult(join(this.jobDir(id), "output"), result, job.baseModel);
      const adapterURI = this.options.dataSource.publishBlob
        ? await this.options.dataSource.publishBlob(
            new Uint8Array(await readFile(join(out.directory, ADAPTER_PACKAGE_FILE))),
            signal,
          )
        : null;
      // The manifest as a public blob: keepers read it (`trainingManifest` in the model's
      // metadata) to know which contributions the model learned, and check its root on-chain.
      const manifest = result.contributions.length > 0 ? buildTrainingManifest(result.contributions) : null;
      const manifestHash =
        manifest && this.options.dataSource.publishBlob
          ? sha256Hex(
              await this.options.dataSource.publishBlob(
                new TextEncoder().encode(JSON.stringify(manifest.toJSON())),
                signal,
              ),
            )
          : null;
      const metadata = {
        name: job.name,
        baseModel: job.baseModel,
        ...(manifestHash ? { trainingManifest: `blob:${manifestHash}` } : {}),
        training: { job: job.id, steps: result.steps, contributions: result.contributions.length },
      };
      log.info(
        {
          steps: result.steps,
          stoppedEarly: result.status === "early_stopped",
          evalLossBase: result.baseEvalLoss,
          evalLossTuned: result.bestEvalLoss,
          adapterHash: out.adapterHash,
          adapterURI,
          seconds: Math.round((performance.now() - started) / 1000),
        },
        "job completed",
      );
      await this.update(job, {
        status: "completed",
        resumedFromStep: result.resumedFromStep,
        evals: result.evals,
        output: {
          adapterHash: out.adapterHash,
          adapterURI,
          manifestRoot: out.manifestRoot,
          manifestURI: manifestHash ? `blob:${manifestHash}` : null,
          metadataURI: `data:application/json,${encodeURIComponent(JSON.stringify(metadata))}`,
          contributions: out.contributions,
          evalLossBase: result.baseEvalLoss,
          evalLossTuned: result.bestEvalLoss,
          steps: result.steps,
          stoppedEarly: result.status === "early_stopped",
        },
        evaluation: result.evaluation,
      });
    } catch (error) {
      const reason = signal.aborted ? signal.reason : error;
      if (reason instanceof ServiceStopping) {
        await this.persist(job);
        log.info({ step: job.progress?.step ?? 0 }, "job interrupted: the service is stopping");
      } else if (reason instanceof Cancelled) {
        log.info({ step: job.progress?.step ?? 0 }, "job cancelled");
        await this.update(job, { status: "cancelled" });
      } else if (reason instanceof FactoryError) {
        log.warn({ code: reason.code, reason: reason.message }, "job failed");
        await this.update(job, { status: "failed", error: reason.message });
      } else {
        // Not the client's to fix (a disk, a broken base model, a bug): the reason stays in the log.
        log.error({ code: "internal", err: reason }, "job failed");
        await this.update(job, { status: "failed", error: `internal error (job ${id})` });
      }
    } finally {
      this.controllers.delete(id);
      this.pendingAccess.delete(id);
    }
  }

  private async examplesFor(job: JobRecord, signal: AbortSignal): Promise<TrainingExample[]> {
    const path = join(this.jobDir(job.id), DATA_FILE);
    if (await this.hasData(job.id)) {
      const saved = JSON.parse(await readFile(path, "utf8")) as {
        prompt: string;
        response: string;
        contributionId?: string;
        contentHash?: Hex;
        uri?: string;
      }[];
      return saved.map((e) => ({
        ...e,
        contributionId: e.contributionId === undefined ? undefined : BigInt(e.contributionId),
      }));
    }
    const pending = this.pendingAccess.get(job.id);
    if (!pending) {
      throw new FactoryError(
        409,
        "access_requests_gone",
        "the signed access requests of this job are gone; submit it again",
      );
    }
    await this.update(job, { status: "fetching_data" });
    this.jobLog(job.id).info(
      { source: this.options.dataSource.description, datanets: pending.selections.length },
      "job fetching data",
    );
    const examples = await this.options.dataSource.fetchExamples(pending.selections, pending.access, signal);
    if (examples.length === 0)
      throw new FactoryError(400, "no_examples", "the selected contributions hold no training examples");
    await writeJson(
      path,
      examples.map((e) => ({ ...e, contributionId: e.contributionId?.toString() })),
    );
    return examples;
  }

  private jobLog(id: string): Logger {
    return this.logger.child({ jobId: id });
  }

  private base(name: string): Promise<BaseModel> {
    let base = this.bases.get(name);
    if (!base) {
      base = loadBaseModel(this.options.baseModels[name] as string);
      this.bases.set(name, base);
      base.catch(() => this.bases.delete(name));
    }
    return base;
  }

  private async update(job: JobRecord, patch: Partial<JobRecord>): Promise<void> {
    Object.assign(job, patch);
    await this.persist(job);
    this.emit(job.id, { type: "status", job });
  }

  /** Writes are chained per job so an older snapshot never lands after a newer one. */
  private persist(job: JobRecord): Promise<void> {
    job.updatedAt = new Date().toISOString();
    const snapshot = JSON.parse(JSON.stringify(job));
    const previous = this.writes.get(job.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      await mkdir(this.jobDir(job.id), { recursive: true });
      await writeJson(join(this.jobDir(job.id), JOB_FILE), snapshot);
    });
    this.writes.set(
      job.id,
      next.catch(() => undefined),
    );
    return next;
  }

  private emit(id: string, event: JobEvent): void {
    for (const listener of this.listeners.get(id) ?? []) listener(event);
  }
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.includes(status);
}

let writes = 0;
async function writeJson(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${process.pid}.${++writes}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, path);
}
