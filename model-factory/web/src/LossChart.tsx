export interface LossPoint {
  step: number;
  loss: number;
  evalLoss?: number;
}

/** Training loss (line) and eval loss (dots) against the step, scaled to the data. */
export function LossChart({ points, totalSteps }: { points: LossPoint[]; totalSteps: number }) {
  const width = 480;
  const height = 200;
  const pad = 30;
  const values = points.flatMap((p) => (p.evalLoss === undefined ? [p.loss] : [p.loss, p.evalLoss]));
  const max = Math.max(1, ...values);
  const min = Math.min(max - 0.5, ...values);
  const x = (step: number) => pad + ((width - 2 * pad) * step) / Math.max(1, totalSteps);
  const y = (loss: number) => height - pad - ((height - 2 * pad) * (loss - min)) / (max - min);
  const line = points.map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(" ");
  return (
    <svg width={width} height={height} role="img" aria-label="loss chart" data-testid="loss-chart">
      <rect x={0} y={0} width={width} height={height} fill="#fafafa" stroke="#ddd" />
      <text x={4} y={14} fontSize={11}>
        {max.toFixed(2)}
      </text>
      <text x={4} y={height - 4} fontSize={11}>
        {min.toFixed(2)}
      </text>
      <polyline data-testid="train-loss" points={line} fill="none" stroke="#2563eb" strokeWidth={2} />
      {points
        .filter((p) => p.evalLoss !== undefined)
        .map((p) => (
          <circle
            key={p.step}
            data-testid="eval-point"
            cx={x(p.step)}
            cy={y(p.evalLoss as number)}
            r={4}
            fill="#dc2626"
          />
        ))}
    </svg>
  );
}
