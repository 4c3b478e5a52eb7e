/**
 * Linear warmup from 0 to `peak` over `warmupSteps`, then cosine decay to `peak · minRatio` at
 * `totalSteps`. `step` counts optimizer updates from 0.
 */
export function learningRateAt(
  step: number,
  options: { peak: number; warmupSteps: number; totalSteps: number; minRatio?: number },
): number {
  const { peak, warmupSteps, totalSteps } = options;
  const minRatio = options.minRatio ?? 0.1;
  if (step < warmupSteps) return (peak * (step + 1)) / (warmupSteps + 1);
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
