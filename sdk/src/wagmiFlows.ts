import { type UseMutationResult, useMutation, useQueryClient } from "@tanstack/react-query";
import { type Config, useChainId, useConfig } from "wagmi";
import { getConnectorClient } from "wagmi/actions";
import {
  type ContributeParameters,
  type ContributeReturnType,
  contribute,
} from "./actions/datanets/contribute.js";
import {
  type RequestAccessParameters,
  type RequestAccessReturnType,
  requestAccess,
} from "./actions/datanets/requestAccess.js";
import { type CastVoteParameters, type CastVoteReturnType, castVote } from "./actions/governance/castVote.js";
import {
  type RequestInferenceParameters,
  type RequestInferenceReturnType,
  requestInference,
} from "./actions/inference/requestInference.js";
import type { WalletClientWithAccount } from "./actions/internal/write.js";
import {
  type ClaimRewardsParameters,
  type ClaimRewardsReturnType,
  claimRewards,
} from "./actions/rewards/claimRewards.js";
import { getProtocolContracts, type ProtocolContracts } from "./wagmiConfig.js";

/** An SDK write action: `(wallet, { contracts, ...parameters }) => result`. */
export type PayableAction<parameters extends { contracts: unknown }, result> = (
  client: WalletClientWithAccount,
  parameters: parameters,
) => Promise<result>;

/** An action's parameters without `contracts`, which come from the config's bound addresses. */
export type FlowParameters<parameters> = Omit<parameters, "contracts">;

/**
 * Runs an SDK write action with the connected wallet on its current chain, with the protocol's
 * addresses bound for that chain in `config`. The wagmi counterpart of calling the action with a
 * wallet client: the same approvals, simulation, decoded errors and return value.
 *
 * @example
 * const { contributionId } = await runFlow(config, contribute, { datanetId, contentHash, uri })
 */
export async function runFlow<parameters extends { contracts: unknown }, result>(
  config: Config,
  action: PayableAction<parameters, result>,
  parameters: FlowParameters<parameters>,
): Promise<result> {
  const client = await getConnectorClient(config);
  const contracts: ProtocolContracts = getProtocolContracts(config, client.chain.id);
  return action(client as unknown as WalletClientWithAccount, { ...parameters, contracts } as parameters);
}

/**
 * A react-query mutation over an SDK write action with the connected wallet; on success every
 * query is invalidated, so the generated read hooks show the new state.
 */
export function usePayableFlow<parameters extends { contracts: unknown }, result>(
  action: PayableAction<parameters, result>,
): UseMutationResult<result, Error, FlowParameters<parameters>> {
  const config = useConfig();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (parameters: FlowParameters<parameters>) => runFlow(config, action, parameters),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}

/** The protocol's addresses on the wallet's current chain (throws `ProtocolNotDeployedError`). */
export function useProtocolContracts(): ProtocolContracts {
  return getProtocolContracts(useConfig(), useChainId());
}

/** Contribute to a datanet: approves the bond when needed, then contributes (`contribute`). */
export const useContribute = (): UseMutationResult<
  ContributeReturnType,
  Error,
  FlowParameters<ContributeParameters>
> => usePayableFlow(contribute);

/** Pay for an answer: approves up to `maxFee` when needed, then requests (`requestInference`). */
export const useRequestInference = (): UseMutationResult<
  RequestInferenceReturnType,
  Error,
  FlowParameters<RequestInferenceParameters>
> => usePayableFlow(requestInference);

/** Ask for a datanet's data: approves the access fee when needed, then requests (`requestAccess`). */
export const useRequestAccess = (): UseMutationResult<
  RequestAccessReturnType,
  Error,
  FlowParameters<RequestAccessParameters>
> => usePayableFlow(requestAccess);

/** Claim the account's RewardVault balance (`claimRewards`). */
export const useClaimRewards = (): UseMutationResult<
  ClaimRewardsReturnType,
  Error,
  FlowParameters<ClaimRewardsParameters>
> => usePayableFlow(claimRewards);

/** Vote on a proposal (`castVote`). */
export const useCastVote = (): UseMutationResult<
  CastVoteReturnType,
  Error,
  FlowParameters<CastVoteParameters>
> => usePayableFlow(castVote);
