/**
 * The name every service gives an on-chain model: `model-<modelId>` (the ModelRegistry token id,
 * decimal, from 1). Inference nodes serve the model's registered adapter under it, keepers ask for
 * it, apps chat with it.
 */
export const MODEL_ADAPTER_PREFIX = "model-";
const MODEL_ADAPTER_ID = /^model-([1-9][0-9]{0,76})$/;

/**
 * @example
 * modelAdapterId(3n) // "model-3"
 */
export function modelAdapterId(modelId: bigint): string {
  return `${MODEL_ADAPTER_PREFIX}${modelId}`;
}

/** The model id of `model-<id>`, or undefined for any other name. */
export function parseModelAdapterId(id: string): bigint | undefined {
  const match = MODEL_ADAPTER_ID.exec(id);
  return match ? BigInt(match[1] as string) : undefined;
}
