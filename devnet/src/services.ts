import type { Deployment } from "@payable-ai/sdk";
import type { DevnetClients } from "./clients.js";
import type { DemoResult } from "./demo.js";

/** What a service gets when the chain is up and the protocol deployed. */
export type ServiceContext = {
  rpcUrl: string;
  chainId: number;
  deployment: Deployment;
  /** Folder with `<chainId>.json`. */
  deploymentsDir: string;
  clients: DevnetClients;
  /** The seeded demo datanet, unless the network started without demo data. */
  demo: DemoResult | undefined;
  /** Scratch folder for the service's state (blobs, databases), removed on the next start. */
  dataDir: string;
  log(message: string): void;
};

export type RunningService = {
  /** Printed at startup, e.g. `{ "GraphQL": "http://127.0.0.1:42069/graphql" }`. */
  urls?: Record<string, string>;
  stop(): Promise<void>;
};

/**
 * A process of the local network. The data gateway, inference node and keepers plug in here:
 * add an entry to `extraServices` in start.ts. Services start in order after the deploy and
 * stop in reverse order.
 */
export type DevnetService = {
  name: string;
  /** Ports the service will listen on, checked before anything starts. */
  ports?: number[];
  start(context: ServiceContext): Promise<RunningService>;
};
