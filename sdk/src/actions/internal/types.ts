import type { Deployment, ProtocolContractName } from "../../deployments.js";

/** The addresses an action needs, usually `deployment.contracts`. */
export type ContractsOf<names extends ProtocolContractName> = Pick<Deployment["contracts"], names>;
