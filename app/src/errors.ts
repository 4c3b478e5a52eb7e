import { type DecodedContractError, decodeContractError, protocolErrorsAbi } from "@payable-ai/sdk";
import { formatOpen, formatTime } from "./format.js";

const PROPOSAL_STATES = [
  "pending",
  "active",
  "canceled",
  "defeated",
  "succeeded",
  "queued",
  "expired",
  "executed",
];

type Explain = (args: readonly unknown[]) => string;
const s = (value: unknown) => String(value);

/** The protocol's errors a user meets most, in words; others are spelled out from their names. */
const SENTENCES: Record<string, Explain> = {
  ModelDuplicateAdapter: ([, id]) => `This adapter is already registered, as model ${s(id)}.`,
  ModelNoDatanetAccess: ([datanet]) =>
    `This account has no access to datanet ${s(datanet)}: request access first and wait for the owner's approval.`,
  ModelNotAuthorized: ([id]) => `Only the owner of model ${s(id)} can do this.`,
  ModelCompositeUnderpricesPart: ([part, price, share]) =>
    `The price leaves part ${s(part)} ${formatOpen(share as bigint)} per request, below its own price of ${formatOpen(price as bigint)}.`,
  DatanetDuplicateContent: ([datanet, , existing]) =>
    `This content is already in datanet ${s(datanet)}, as contribution ${s(existing)}.`,
  DatanetContentRejected: ([datanet, , rejected]) =>
    `This content was rejected from datanet ${s(datanet)} before (contribution ${s(rejected)}).`,
  DatanetNotOwner: ([datanet]) => `Only the owner of datanet ${s(datanet)} can do this.`,
  DatanetNotCurator: ([datanet]) =>
    `Only a curator (or the owner) of datanet ${s(datanet)} can review contributions.`,
  DatanetSelfReview: ([id]) => `Contribution ${s(id)} is yours: another curator has to review it.`,
  DatanetContributionNotPending: ([id]) => `Contribution ${s(id)} has already been reviewed or withdrawn.`,
  DatanetReviewPending: ([id, availableAt]) =>
    `Contribution ${s(id)} can be withdrawn only from ${formatTime(availableAt as bigint)}, if still unreviewed.`,
  DatanetNotContributor: ([id]) => `Only the contributor of contribution ${s(id)} can do this.`,
  DatanetNotContributorOrPayee: ([id]) =>
    `Only the contributor of contribution ${s(id)}, or its current payee, can change where it pays.`,
  DatanetZeroAddress: () => "The zero address cannot receive anything: give a real address.",
  DatanetAccessAlreadyGranted: ([datanet]) => `This account already has access to datanet ${s(datanet)}.`,
  DatanetAccessAlreadyRequested: ([datanet]) =>
    `An access request to datanet ${s(datanet)} is already waiting for the owner.`,
  DatanetNoAccessRequest: ([datanet, account]) =>
    `${s(account)} has no pending access request to datanet ${s(datanet)}.`,
  DatanetAccessNotGranted: ([datanet, account]) =>
    `${s(account)} has no access to datanet ${s(datanet)} to revoke.`,
  DatanetFeeAboveMax: ([datanet, fee, max]) =>
    `The access fee of datanet ${s(datanet)} rose to ${formatOpen(fee as bigint)}, above the ${formatOpen(max as bigint)} you agreed to.`,
  DatanetBondAboveMax: ([datanet, bond, max]) =>
    `The bond of datanet ${s(datanet)} rose to ${formatOpen(bond as bigint)}, above the ${formatOpen(max as bigint)} you agreed to.`,
  DatanetReviewTimeoutOutOfBounds: ([timeout, min, max]) =>
    `The review timeout must be between ${s(min)} and ${s(max)} seconds (${s(timeout)} given).`,
  DatanetUnknown: ([datanet]) => `There is no datanet ${s(datanet)}.`,
  MarketModelNotRequestable: ([id]) =>
    `Model ${s(id)} cannot be requested now (paused, retired or delisted).`,
  MarketFeeAboveMax: ([price, max]) =>
    `The model's price is ${formatOpen(price as bigint)}, above the ${formatOpen(max as bigint)} you agreed to pay.`,
  ERC20InsufficientBalance: ([, balance, needed]) =>
    `Not enough OPEN: this account holds ${formatOpen(balance as bigint)} and this needs ${formatOpen(needed as bigint)}.`,
  ERC20InsufficientAllowance: ([, allowance, needed]) =>
    `The OPEN allowance is ${formatOpen(allowance as bigint)}, and this needs ${formatOpen(needed as bigint)}.`,
  GovernorAlreadyCastVote: () => "This account has already voted on this proposal.",
  GovernorUnexpectedProposalState: ([id, state]) =>
    `Proposal ${shortId(id)} is ${PROPOSAL_STATES[Number(state)] ?? "in another state"}, so this cannot be done now.`,
  GovernorInsufficientProposerVotes: ([, votes, threshold]) =>
    `Proposing needs ${formatOpen(threshold as bigint, false)} votes; this account has ${formatOpen(votes as bigint, false)}.`,
  GovernorNonexistentProposal: ([id]) => `There is no proposal ${shortId(id)}.`,
  VaultNothingToClaim: () => "There is nothing to claim yet.",
};

function shortId(id: unknown): string {
  const text = s(id);
  return text.length > 12 ? `${text.slice(0, 6)}…${text.slice(-4)}` : text;
}

/** `DatanetNotCurator` → `Datanet: not curator`, with the arguments named. */
function spellOut(decoded: DecodedContractError): string {
  const [, domain = "", rest = decoded.errorName] = /^([A-Z][a-z]+)(.*)$/.exec(decoded.errorName) ?? [];
  const words = rest
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim();
  const args = decoded.args.map((value, i) => {
    const name = decoded.abiItem?.inputs[i]?.name ?? `argument ${i + 1}`;
    const amount = typeof value === "bigint" && /fee|bond|amount|balance|price|stake|needed/i.test(name);
    return `${name} ${amount ? formatOpen(value as bigint) : s(value)}`;
  });
  return `${domain}: ${words}${args.length ? ` (${args.join(", ")})` : ""}.`;
}

/** A contract error in words, or undefined when `error` carries no protocol revert. */
export function contractErrorText(error: unknown): string | undefined {
  const decoded = decodeContractError(error, protocolErrorsAbi);
  if (!decoded) return undefined;
  return SENTENCES[decoded.errorName]?.(decoded.args) ?? spellOut(decoded);
}

/** One sentence for any error the app meets: contract reverts decoded, wallet refusals named, else the first line. */
export function errorText(error: unknown): string {
  const fromContract = contractErrorText(error);
  if (fromContract) return fromContract;
  const e = error as { name?: string; code?: number; shortMessage?: string; message?: string };
  if (e.code === 4001 || e.name === "UserRejectedRequestError")
    return "You declined the request in your wallet.";
  return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0] as string;
}
