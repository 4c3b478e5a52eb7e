import type { GetRequestReturnType } from "@payable-ai/sdk";
import { type Address, type Hex, isAddressEqual } from "viem";
import { reportFromJson } from "./protocol.js";
import type { RequestRecord } from "./stateStore.js";

/** The parts of `InferenceMarket.getRequest` a keeper's decisions read. */
export type RequestView = Pick<
  GetRequestReturnType,
  "statusName" | "round" | "deadline" | "challengeEndsAt" | "reportDigest" | "executor"
>;

/** Who the market accepts as executor of an open request now (`scheduledExecutor`). */
export type ScheduleView = { executor: Address; turn: number };

/** The signatures a keeper holds for its report, weighed by active stake, against what a report needs. */
export type SigningView = { count: number; stake: bigint; quorum: number; quorumStake: bigint };

/**
 * What a keeper knows of a request on-chain. The request is always read; the schedule and the
 * signing power only when {@link decide} asks for them (`read-schedule`, `weigh-signatures`).
 */
export type OnChainView = { request: RequestView; schedule?: ScheduleView; signing?: SigningView };

/** One step a keeper owes a request; {@link KeeperNode} executes it. */
export type RequestAction =
  /** Nothing to do now. */
  | { kind: "wait"; reason: string }
  /** A report is accepted on-chain: record it; a first sight is checked for equivocation. */
  | { kind: "record-report"; firstSeen: boolean }
  /** Settled on-chain: record it; a request that just ended is checked for court proofs. */
  | { kind: "settle"; phase: "finalized" | "refunded"; ended: boolean }
  /** Open past its deadline, newly noticed: only the requester's refund can close it. */
  | { kind: "expire" }
  /**
   * Open again though this keeper's record holds a report of it (voided by a challenge or a dispute,
   * or the report's block reorganised away): forget what is spent and answer afresh.
   */
  | { kind: "reopen"; round: number; voided: boolean }
  /** A submission of this keeper was in flight: wait for it before anything else. */
  | { kind: "await-submission"; tx: Hex }
  | { kind: "read-schedule" }
  /** This keeper's turn and nothing signed: build the answer of `round` and sign it. */
  | { kind: "answer"; round: number; turn: number }
  | { kind: "weigh-signatures" }
  /** This keeper's turn, its report short of the quorum: ask the peers to co-sign. */
  | { kind: "collect" }
  /** This keeper's turn and its report holds the quorum: submit it. */
  | { kind: "submit" };

/**
 * What a keeper does next for one request, from its durable record, the request's on-chain state
 * and the chain's time: a pure function, so every branch is a row of a table
 * (`test/decide.test.ts`). An action that needs more of the chain is a read; the node reads,
 * then decides again.
 */
export function decide(
  record: RequestRecord,
  onChain: OnChainView,
  now: bigint,
  self: Address,
): RequestAction {
  const { request } = onChain;
  switch (request.statusName) {
    case "reported":
      return {
        kind: "record-report",
        firstSeen: record.phase !== "reported" || record.acceptedDigest !== request.reportDigest,
      };
    case "finalized":
    case "refunded":
      return { kind: "settle", phase: request.statusName, ended: record.phase !== request.statusName };
    case "disputed":
      return { kind: "wait", reason: "its report is under the court's review" };
    case "open":
      break;
    default:
      return { kind: "wait", reason: `the market reports it ${request.statusName}` };
  }
  if (now > request.deadline) {
    return record.phase === "expired"
      ? { kind: "wait", reason: "expired; the requester may refund it" }
      : { kind: "expire" };
  }
  const signedRound = record.signed === undefined ? undefined : reportFromJson(record.signed.report).round;
  const voided = signedRound !== undefined && signedRound < request.round;
  if (record.phase === "reported" || voided) return { kind: "reopen", round: request.round, voided };
  if (record.phase === "submitting" && record.submitTx !== undefined) {
    return { kind: "await-submission", tx: record.submitTx };
  }
  const { schedule } = onChain;
  if (schedule === undefined) return { kind: "read-schedule" };
  if (!isAddressEqual(schedule.executor, self)) {
    return { kind: "wait", reason: `turn ${schedule.turn} is ${schedule.executor}'s` };
  }
  if (record.signed === undefined) return { kind: "answer", round: request.round, turn: schedule.turn };
  const { signing } = onChain;
  if (signing === undefined) return { kind: "weigh-signatures" };
  return holdsQuorum(signing) ? { kind: "submit" } : { kind: "collect" };
}

/** Whether the signatures reach both quorums: their count and the stake they hold. */
export function holdsQuorum(signing: SigningView): boolean {
  return signing.count >= signing.quorum && signing.stake >= signing.quorumStake;
}

/** What a tick does with a stored request before reading anything of it on-chain. */
export type Triage = "skip" | "finalize" | "inspect";

/**
 * Settled requests are left alone; a reported one whose challenge window has passed goes to the
 * finalizer (at once for its executor, after `graceSeconds` for the others, so one of them settles
 * it even if the executor is gone); every other one is inspected with {@link decide}.
 */
export function triage(record: RequestRecord, now: bigint, self: Address, graceSeconds: bigint): Triage {
  if (record.phase === "finalized" || record.phase === "refunded") return "skip";
  if (record.phase === "reported" && record.challengeEndsAt !== undefined) {
    const grace = record.executor !== undefined && isAddressEqual(record.executor, self) ? 0n : graceSeconds;
    if (now > BigInt(record.challengeEndsAt) + grace) return "finalize";
  }
  return "inspect";
}

/**
 * Whether a stored request may have been reorganised away, so that its event block's hash must be
 * checked: only one nothing was signed for yet (`open`) and whose block is within `horizon`.
 */
export function mayBeReorganised(record: RequestRecord, horizon: bigint): boolean {
  return record.phase === "open" && BigInt(record.blockNumber) >= horizon;
}
