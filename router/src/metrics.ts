import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one router; each router owns its registry so tests can run several. */
export class RouterMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: "router_http_requests_total",
    help: "HTTP requests answered by the router, by route and status",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: "router_route_decisions_total",
    help: "Routing decisions by reason (resident, placement, spill, failover, base, merge, unlisted)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly upstream = new Counter({
    name: "router_upstream_requests_total",
    help: "Requests sent to nodes, by node and outcome (ok, error_status, refused, unreachable, failed, client_closed)",
    labelNames: ["node", "outcome"] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: "router_retries_total",
    help: "Requests sent to another node, by why the previous one did not serve it",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly upstreamSeconds = new Histogram({
    name: "router_upstream_seconds",
    help: "Time from sending a request to a node to the end of its response",
    labelNames: ["node"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [this.registry],
  });
  readonly nodeUp = new Gauge({
    name: "router_node_up",
    help: "1 when the node is routable, 0 when down or draining",
    labelNames: ["node"] as const,
    registers: [this.registry],
  });
  readonly nodeInFlight = new Gauge({
    name: "router_node_in_flight",
    help: "Requests in flight on each node",
    labelNames: ["node"] as const,
    registers: [this.registry],
  });
  readonly nodeAdapters = new Gauge({
    name: "router_node_resident_adapters",
    help: "Adapters each node reported resident at its last check",
    labelNames: ["node"] as const,
    registers: [this.registry],
  });
}
