import { datanetRegistryAbi, hasAccess, requestAccess } from "@payable-ai/sdk";
import { useState } from "react";
import { createPublicClient, formatEther, http } from "viem";
import type { ChainInfo } from "./api.js";
import { errorText } from "./errors.js";
import { chainOf, type Signer } from "./wallet.js";

const STATUS = ["none", "pending", "accepted", "rejected", "withdrawn"];

interface ContributionRow {
  id: bigint;
  contributor: string;
  status: string;
  uri: string;
}

type Contracts = Parameters<typeof hasAccess>[1]["contracts"] &
  Parameters<typeof requestAccess>[1]["contracts"];

/** A datanet read from the chain: its contributions (from events) and the connected account's access. */
export function DatanetPanel({
  chain,
  signer,
  datanetId,
  onSelect,
}: {
  chain: ChainInfo;
  signer: Signer | null;
  datanetId: string;
  onSelect: (ids: bigint[]) => void;
}) {
  const [rows, setRows] = useState<ContributionRow[] | null>(null);
  const [selected, setSelected] = useState<Set<bigint>>(new Set());
  const [access, setAccess] = useState<string>("unknown");
  const [error, setError] = useState<string | null>(null);
  const client = createPublicClient({ chain: chainOf(chain), transport: http(chain.rpcUrl) });
  const contracts = chain.contracts as Contracts;

  const guard = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const load = () =>
    guard(async () => {
      const id = BigInt(datanetId);
      const logs = await client.getContractEvents({
        address: contracts.DatanetRegistry,
        abi: datanetRegistryAbi,
        eventName: "ContributionSubmitted",
        args: { datanetId: id },
        fromBlock: 0n,
      });
      const loaded: ContributionRow[] = [];
      for (const log of logs) {
        const contributionId = log.args.contributionId as bigint;
        const c = await client.readContract({
          address: contracts.DatanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "getContribution",
          args: [contributionId],
        });
        loaded.push({
          id: contributionId,
          contributor: c.contributor,
          status: STATUS[c.status] ?? "?",
          uri: c.uri,
        });
      }
      setRows(loaded);
      setSelected(new Set(loaded.filter((r) => r.status === "accepted").map((r) => r.id)));
      await refreshAccess();
    });

  const refreshAccess = async () => {
    if (!signer) return setAccess("connect a wallet");
    const id = BigInt(datanetId);
    if (await hasAccess(client, { contracts, datanetId: id, account: signer.address }))
      return setAccess("granted");
    const events = [
      "AccessRequested",
      "AccessGranted",
      "AccessDenied",
      "AccessRequestCancelled",
      "AccessRevoked",
    ] as const;
    let latest: { name: string; block: bigint } | null = null;
    for (const eventName of events) {
      const logs = await client.getContractEvents({
        address: contracts.DatanetRegistry,
        abi: datanetRegistryAbi,
        eventName,
        args: { datanetId: id, account: signer.address },
        fromBlock: 0n,
      });
      const last = logs.at(-1);
      if (last?.blockNumber && (!latest || last.blockNumber >= latest.block)) {
        latest = { name: eventName, block: last.blockNumber };
      }
    }
    setAccess(
      latest?.name === "AccessRequested" ? "pending" : latest?.name === "AccessDenied" ? "denied" : "none",
    );
  };

  const request = () =>
    guard(async () => {
      if (!signer) throw new Error("connect a wallet first");
      await requestAccess(await signer.walletClient(chain), { contracts, datanetId: BigInt(datanetId) });
      await refreshAccess();
    });

  return (
    <fieldset>
      <legend>Datanet {datanetId}</legend>
      <button type="button" onClick={load}>
        Load contributions
      </button>{" "}
      Access: <strong data-testid="access-status">{access}</strong>{" "}
      <button type="button" onClick={() => guard(refreshAccess)}>
        Refresh
      </button>{" "}
      {access !== "granted" && access !== "pending" && (
        <button type="button" onClick={request}>
          Request access
        </button>
      )}
      {error && <p role="alert">{error}</p>}
      {rows && (
        <>
          <table data-testid="contributions">
            <thead>
              <tr>
                <th />
                <th>Id</th>
                <th>Contributor</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id.toString()}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`contribution ${r.id}`}
                      checked={selected.has(r.id)}
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.target.checked) next.add(r.id);
                        else next.delete(r.id);
                        setSelected(next);
                      }}
                    />
                  </td>
                  <td>{r.id.toString()}</td>
                  <td>
                    <code>{`${r.contributor.slice(0, 8)}…`}</code>
                  </td>
                  <td>{r.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={() => onSelect([...selected].sort((a, b) => (a < b ? -1 : 1)))}>
            Train on the selected {selected.size}
          </button>
        </>
      )}
    </fieldset>
  );
}

/** The name in a `data:application/json` metadata URI; any other URI as it is. */
function datanetLabel(uri: string): string {
  const json = /^data:application\/json,(.*)$/s.exec(uri)?.[1];
  if (json === undefined) return uri;
  try {
    const { name } = JSON.parse(decodeURIComponent(json)) as { name?: unknown };
    return typeof name === "string" ? name : uri;
  } catch {
    return uri;
  }
}

/** Every datanet on the registry (from `DatanetCreated` events); "Open" selects one. */
export function DatanetList({ chain, onOpen }: { chain: ChainInfo; onOpen: (datanetId: string) => void }) {
  const [rows, setRows] = useState<
    { id: bigint; owner: string; metadataURI: string; accessFee: bigint }[] | null
  >(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    setError(null);
    try {
      const client = createPublicClient({ chain: chainOf(chain), transport: http(chain.rpcUrl) });
      const logs = await client.getContractEvents({
        address: chain.contracts.DatanetRegistry as `0x${string}`,
        abi: datanetRegistryAbi,
        eventName: "DatanetCreated",
        fromBlock: 0n,
      });
      setRows(
        logs.map((log) => ({
          id: log.args.datanetId as bigint,
          owner: log.args.owner as string,
          metadataURI: log.args.metadataURI as string,
          accessFee: log.args.accessFee as bigint,
        })),
      );
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <fieldset>
      <legend>Datanets</legend>
      <button type="button" onClick={load}>
        Browse datanets
      </button>
      {error && <p role="alert">{error}</p>}
      {rows && (
        <ul data-testid="datanets">
          {rows.map((d) => (
            <li key={d.id.toString()}>
              #{d.id.toString()} {datanetLabel(d.metadataURI)} · owner{" "}
              <code>{`${d.owner.slice(0, 8)}…`}</code> · access fee {formatEther(d.accessFee)} OPEN{" "}
              <button type="button" onClick={() => onOpen(d.id.toString())}>
                Open #{d.id.toString()}
              </button>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
