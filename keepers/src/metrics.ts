import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one keeper (served at `/metrics`). */
export class KeeperMetrics {
  readonly registry = new Registry();
  readonly requestsSeen = new Counter({
    name: "keeper_requests_seen_total",
    help: "InferenceRequested events seen",
    registers: [this.registry],
  });
  readonly reportsSubmitted = new Counter({
    name: "keeper_reports_submitted_total",
    help: "Reports this keeper submitted and saw confirmed",
    registers: [this.registry],
  });
  readonly cosign = new Counter({
    name: "keeper_cosign_requests_total",
    help: "Co-sign requests answered, by result",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly finalized = new Counter({
    name: "keeper_requests_finalized_total",
    help: "Requests this keeper finalized",
    registers: [this.registry],
  });
  readonly challenges = new Counter({
    name: "keeper_challenges_total",
    help: "Equivocation challenges this keeper submitted",
    registers: [this.registry],
  });
  readonly expired = new Counter({
    name: "keeper_requests_expired_total",
    help: "Requests seen open past their deadline (refundable by their requester)",
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "keeper_errors_total",
    help: "Failed steps, by stage",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });
  readonly queueSize = new Gauge({
    name: "keeper_queue_size",
    help: "Requests queued or running",
    registers: [this.registry],
  });
  readonly nextBlock = new Gauge({
    name: "keeper_next_block",
    help: "Next block the keeper will scan",
    registers: [this.registry],
  });
  readonly transactionsReverted = new Counter({
    name: "keeper_transactions_reverted_total",
    help: "Transactions of this keeper mined reverted, by kind (submitReport, finalize, challenge)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: "keeper_ready",
    help: "1 while the keeper is ready (as /health/ready answers), 0 otherwise",
    registers: [this.registry],
  });
  readonly active = new Gauge({
    name: "keeper_active",
    help: "1 while this keeper's key is staked and active in the KeeperRegistry",
    registers: [this.registry],
  });
  readonly lagBlocks = new Gauge({
    name: "keeper_lag_blocks",
    help: "Blocks between the chain head and the next block the keeper will scan",
    registers: [this.registry],
  });
  readonly lastTickSeconds = new Gauge({
    name: "keeper_last_successful_tick_timestamp_seconds",
    help: "Unix time of the last tick that completed",
    registers: [this.registry],
  });
  readonly answerSeconds = new Histogram({
    name: "keeper_answer_seconds",
    help: "Time to build a report (context, inference, attribution)",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
}
