import { MODEL_ADAPTER_PREFIX, modelAdapterId, parseModelAdapterId } from "@payable-ai/sdk";
import { modelRegistryAbi } from "@payable-ai/sdk/abis";
import {
  type Address,
  BaseError,
  type Chain,
  type Client,
  ContractFunctionRevertedError,
  type Transport,
} from "viem";
import { readContract } from "viem/actions";
import { AdapterFormatError, AdapterUnavailableError, AdapterWithdrawnError } from "../errors.js";
import type { AdapterRecord, AdapterRegistry } from "./registry.js";

/** `IModelRegistry.ModelStatus`. */
const ModelStatus = { None: 0, Active: 1, Paused: 2, Retired: 3, Delisted: 4 } as const;
const STATUS_NAMES = ["none", "active", "paused", "retired", "delisted"];

export { MODEL_ADAPTER_PREFIX, modelAdapterId, parseModelAdapterId };

export interface ModelRegistryAdapterRegistryOptions {
  client: Client<Transport, Chain | undefined>;
  /** Address of the ModelRegistry (`contracts.ModelRegistry` of the deployment). */
  address: Address;
  /** How long a lookup (found, unknown or refused) is reused before the chain is read again. Default 10 s. */
  ttlMs?: number;
  /**
   * The base model this node serves, as models name it in `baseModelId`: when given, a model
   * registered for another base is refused (422) and left out of `list()`.
   */
  baseModelId?: string;
  /** `list()` reports at most this many models, the most recent first. Default 1,000. */
  maxListed?: number;
}

type Resolution = { record: AdapterRecord } | { error: Error } | { unknown: true };

/**
 * Adapter ids resolved through the on-chain ModelRegistry: `model-<modelId>` has the model's
 * `adapterHash` as its expected sha256, so a blob is served only if it is the file the model was
 * registered with. Retired and delisted models are refused (410), composites are not adapters
 * (422), an unknown model is not found (404). Lookups are cached for `ttlMs`, so a delisting
 * reaches new loads within that time.
 */
export class ModelRegistryAdapterRegistry implements AdapterRegistry {
  readonly ttlMs: number;
  readonly maxListed: number;
  private readonly cache = new Map<string, { expiresAt: number; resolution: Promise<Resolution> }>();
  private listed?: { expiresAt: number; records: Promise<AdapterRecord[]> };

  constructor(readonly options: ModelRegistryAdapterRegistryOptions) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.maxListed = options.maxListed ?? 1_000;
  }

  async lookup(id: string): Promise<AdapterRecord | undefined> {
    const modelId = parseModelAdapterId(id);
    if (modelId === undefined) return undefined;
    const resolution = await this.resolve(modelId);
    if ("error" in resolution) throw resolution.error;
    return "record" in resolution ? resolution.record : undefined;
  }

  /** Servable models (active or paused plain adapters), most recent first, at most `maxListed`. */
  async list(): Promise<AdapterRecord[]> {
    const now = Date.now();
    if (!this.listed || this.listed.expiresAt <= now) {
      const records = this.readList();
      this.listed = { expiresAt: now + this.ttlMs, records };
      records.catch(() => {
        if (this.listed?.records === records) this.listed = undefined;
      });
    }
    return this.listed.records;
  }

  private async readList(): Promise<AdapterRecord[]> {
    const count = await this.read(() =>
      readContract(this.options.client, {
        address: this.options.address,
        abi: modelRegistryAbi,
        functionName: "modelCount",
      }),
    );
    const ids: bigint[] = [];
    for (let id = count; id >= 1n && ids.length < this.maxListed; id--) ids.push(id);
    const records: AdapterRecord[] = [];
    // A few reads at a time: enough to be quick, few enough not to flood a public RPC.
    for (let i = 0; i < ids.length; i += 16) {
      const batch = await Promise.all(ids.slice(i, i + 16).map((id) => this.resolve(id)));
      for (const resolution of batch) if ("record" in resolution) records.push(resolution.record);
    }
    return records;
  }

  private resolve(modelId: bigint): Promise<Resolution> {
    const key = modelId.toString();
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > now) return cached.resolution;
    const resolution = this.readModel(modelId);
    this.cache.set(key, { expiresAt: now + this.ttlMs, resolution });
    // A failed read (RPC down) is not cached: the next request tries again.
    resolution.then(
      (r) => {
        if ("error" in r && r.error instanceof AdapterUnavailableError) this.cache.delete(key);
      },
      () => this.cache.delete(key),
    );
    return resolution;
  }

  private async readModel(modelId: bigint): Promise<Resolution> {
    const id = modelAdapterId(modelId);
    let model: Awaited<ReturnType<typeof this.getModel>>;
    try {
      model = await this.getModel(modelId);
    } catch (error) {
      if (error instanceof ModelUnknownError) return { unknown: true };
      return { error: error as Error };
    }
    if (model.status === ModelStatus.None) return { unknown: true };
    if (model.status === ModelStatus.Retired || model.status === ModelStatus.Delisted) {
      return { error: new AdapterWithdrawnError(id, STATUS_NAMES[model.status] as string) };
    }
    if (model.isComposite) {
      return {
        error: new AdapterFormatError(
          `model ${modelId} is a composite of other models, not an adapter; request its parts or merge them with merged_adapters`,
        ),
      };
    }
    const base = this.options.baseModelId;
    if (base !== undefined && model.baseModelId !== base) {
      return {
        error: new AdapterFormatError(
          `model ${modelId} adapts base model "${model.baseModelId}"; this node serves "${base}"`,
        ),
      };
    }
    return {
      record: {
        id,
        sha256: model.adapterHash.slice(2).toLowerCase(),
        description: `ModelRegistry model ${modelId} (${model.baseModelId}, ${model.adapterURI}, ${STATUS_NAMES[model.status]})`,
      },
    };
  }

  private getModel(modelId: bigint) {
    return this.read(() =>
      readContract(this.options.client, {
        address: this.options.address,
        abi: modelRegistryAbi,
        functionName: "getModel",
        args: [modelId],
      }),
    );
  }

  /** Runs a contract read; `ModelUnknown` becomes ModelUnknownError, anything else a 502. */
  private async read<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const reverted =
        error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
      if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName === "ModelUnknown") {
        throw new ModelUnknownError();
      }
      throw new AdapterUnavailableError(
        `ModelRegistry ${this.options.address} could not be read: ${
          error instanceof BaseError ? error.shortMessage : (error as Error).message
        }`,
      );
    }
  }
}

class ModelUnknownError extends Error {}

/**
 * Asks each registry in turn and answers with the first that knows the id (e.g. the static
 * `registry.json` for offline adapters, then the chain). `list()` merges them, first wins per id.
 */
export class ChainedAdapterRegistry implements AdapterRegistry {
  constructor(readonly registries: readonly AdapterRegistry[]) {}

  async lookup(id: string): Promise<AdapterRecord | undefined> {
    for (const registry of this.registries) {
      const record = await registry.lookup(id);
      if (record) return record;
    }
    return undefined;
  }

  async list(): Promise<AdapterRecord[]> {
    const seen = new Map<string, AdapterRecord>();
    for (const registry of this.registries) {
      for (const record of await registry.list()) if (!seen.has(record.id)) seen.set(record.id, record);
    }
    return [...seen.values()];
  }
}
