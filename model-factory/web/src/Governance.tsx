import { castVote, openGovernorAbi, voteSupport } from "@payable-ai/sdk";
import { useState } from "react";
import { createPublicClient, http } from "viem";
import type { ChainInfo } from "./api.js";
import { errorText } from "./errors.js";
import { chainOf, type Signer } from "./wallet.js";

const STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

interface ProposalRow {
  id: bigint;
  description: string;
  state: string;
  voted: boolean;
}

type Contracts = Parameters<typeof castVote>[1]["contracts"];

/** Proposals of the OpenGovernor (from ProposalCreated events) and voting with contribution votes. */
export function GovernancePanel({ chain, signer }: { chain: ChainInfo; signer: Signer }) {
  const [rows, setRows] = useState<ProposalRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const contracts = chain.contracts as Contracts;

  const load = async () => {
    const client = createPublicClient({ chain: chainOf(chain), transport: http(chain.rpcUrl) });
    const logs = await client.getContractEvents({
      address: contracts.OpenGovernor,
      abi: openGovernorAbi,
      eventName: "ProposalCreated",
      fromBlock: 0n,
    });
    const loaded: ProposalRow[] = [];
    for (const log of logs) {
      const id = log.args.proposalId as bigint;
      const [state, voted] = await Promise.all([
        client.readContract({
          address: contracts.OpenGovernor,
          abi: openGovernorAbi,
          functionName: "state",
          args: [id],
        }),
        client.readContract({
          address: contracts.OpenGovernor,
          abi: openGovernorAbi,
          functionName: "hasVoted",
          args: [id, signer.address],
        }),
      ]);
      loaded.push({ id, description: log.args.description as string, state: STATES[state] ?? "?", voted });
    }
    setRows(loaded);
  };

  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <fieldset>
      <legend>Governance</legend>
      <button type="button" onClick={() => run(load)}>
        Load proposals
      </button>
      {error && <p role="alert">{error}</p>}
      {rows && (
        <ul data-testid="proposals">
          {rows.map((p) => (
            <li key={p.id.toString()}>
              {p.description} — {p.state}
              {p.voted ? (
                <strong> voted</strong>
              ) : (
                p.state === "Active" &&
                (Object.keys(voteSupport) as (keyof typeof voteSupport)[]).map((support) => (
                  <button
                    type="button"
                    key={support}
                    onClick={() =>
                      run(async () => {
                        await castVote(await signer.walletClient(chain), {
                          contracts,
                          proposalId: p.id,
                          support,
                        });
                        await load();
                      })
                    }
                  >
                    Vote {support}
                  </button>
                ))
              )}
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
