import { LineChart } from "@mantine/charts";
import { Text } from "@mantine/core";

export type LossPoint = { step: number; loss?: number; evalLoss?: number };

/** Training and evaluation loss by step, with axes, a legend and a tooltip. */
export function LossChart({ points, totalSteps }: { points: LossPoint[]; totalSteps: number }) {
  if (points.length === 0)
    return (
      <Text size="sm" c="dimmed">
        The loss curve appears with the first step.
      </Text>
    );
  return (
    <div data-testid="loss-chart" data-points={points.filter((p) => p.loss !== undefined).length}>
      <LineChart
        h={260}
        data={points}
        dataKey="step"
        withLegend
        connectNulls
        withDots={false}
        xAxisLabel="step"
        yAxisLabel="loss"
        xAxisProps={{ type: "number", domain: [0, totalSteps], allowDecimals: false }}
        valueFormatter={(v) => v.toFixed(3)}
        // Ticks are round numbers: 8, 0.5, not 8.000.
        yAxisProps={{ tickFormatter: (v: number) => String(Number(v.toFixed(3))) }}
        series={[
          { name: "loss", label: "training loss", color: "indigo.6" },
          { name: "evalLoss", label: "eval loss", color: "orange.6" },
        ]}
        curveType="linear"
      />
    </div>
  );
}
