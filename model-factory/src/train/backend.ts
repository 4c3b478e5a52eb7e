import * as tf from "@tensorflow/tfjs";
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";

export { tf };

export type TrainingBackend = "wasm" | "cpu";

let initialized: Promise<TrainingBackend> | undefined;

/**
 * Selects the tfjs backend once per process. The wasm backend (XNNPACK kernels) is the default;
 * `cpu` is tfjs' plain JavaScript backend, slower but with no WebAssembly to load.
 * `MODEL_FACTORY_BACKEND` and `MODEL_FACTORY_THREADS` override the choice.
 */
export function initBackend(preferred?: TrainingBackend, threads?: number): Promise<TrainingBackend> {
  initialized ??= (async () => {
    const wanted = (process.env.MODEL_FACTORY_BACKEND as TrainingBackend | undefined) ?? preferred ?? "wasm";
    if (wanted === "wasm") {
      const count = Number(process.env.MODEL_FACTORY_THREADS ?? threads ?? 0);
      if (count > 0) setThreadsCount(count);
    }
    if (!(await tf.setBackend(wanted))) throw new Error(`tfjs backend ${wanted} failed to initialise`);
    await tf.ready();
    return tf.getBackend() as TrainingBackend;
  })();
  return initialized;
}

/** A variable initialised from `initial`, which is then released (the variable keeps its own reference). */
export function variableOf(initial: tf.Tensor, trainable: boolean, name?: string): tf.Variable {
  const variable = tf.variable(initial, trainable, name);
  initial.dispose();
  return variable;
}
