import { tf, variableOf } from "./backend.js";

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) over named tfjs variables. Its moments are
 * plain named tensors so a checkpoint can save and restore them exactly.
 */
export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Updates applied so far (the bias-correction step). */
  updates = 0;

  constructor(
    private readonly params: Map<string, tf.Variable>,
    private readonly options: AdamWOptions,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, variableOf(tf.zerosLike(p), false));
      this.v.set(name, variableOf(tf.zerosLike(p), false));
    }
  }

  /** One update with the given gradients (keyed as the parameters) and learning rate. */
  apply(grads: Map<string, tf.Tensor>, learningRate: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    this.updates += 1;
    const c1 = 1 - beta1 ** this.updates;
    const c2 = 1 - beta2 ** this.updates;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const step = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), epsilon));
        const decayed = tf.mul(p, 1 - learningRate * weightDecay);
        m.assign(m1);
        v.assign(v1);
        p.assign(tf.sub(decayed, tf.mul(step, learningRate)));
      }
    });
  }

  state(): { updates: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> } {
    const read = (source: Map<string, tf.Variable>) =>
      new Map([...source].map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
    return { updates: this.updates, m: read(this.m), v: read(this.v) };
  }

  load(state: { updates: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> }): void {
    for (const [kind, target] of [
      ["m", this.m],
      ["v", this.v],
    ] as const) {
      for (const [name, variable] of target) {
        const value = state[kind].get(name);
        if (!value || value.length !== variable.size)
          throw new Error(`optimizer state lacks ${kind}.${name}`);
        tf.tidy(() => variable.assign(tf.tensor(value, variable.shape)));
      }
    }
    this.updates = state.updates;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
