import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import {
  decide,
  holdsQuorum,
  mayBeReorganised,
  type OnChainView,
  type RequestAction,
  type RequestView,
  type SigningView,
  type Triage,
  triage,
} from "../src/decide.js";
import type { ReportJson } from "../src/protocol.js";
import type { RequestRecord, SignedReportRecord } from "../src/stateStore.js";

const self = "0x00000000000000000000000000000000000000Aa" as Address;
const peer = "0x00000000000000000000000000000000000000bB" as Address;
const digestA = `0x${"a1".repeat(32)}` as Hex;
const digestB = `0x${"b2".repeat(32)}` as Hex;
const tx = `0x${"7e".repeat(32)}` as Hex;

function signedReport(round: number, digest = digestA): SignedReportRecord {
  const report: ReportJson = {
    requestId: "1",
    round,
    modelId: "1",
    outputHash: `0x${"0f".repeat(32)}`,
    outputURI: "blob:output",
    executor: peer,
    attributionVersion: 1,
    attributions: [],
  };
  return { digest, report, signatures: { [peer.toLowerCase()]: "0x01" } };
}

function record(change: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: "1",
    modelId: "1",
    requester: peer,
    inputHash: `0x${"11".repeat(32)}`,
    inputURI: "blob:input",
    fee: "1000",
    deadline: "2000",
    blockNumber: "100",
    blockHash: `0x${"22".repeat(32)}`,
    requestedAt: "900",
    phase: "open",
    attempts: 0,
    seen: [],
    challenged: [],
    ...change,
  };
}

function request(change: Partial<RequestView> = {}): RequestView {
  return {
    statusName: "open",
    round: 0,
    deadline: 2000n,
    challengeEndsAt: 0n,
    reportDigest: `0x${"00".repeat(32)}`,
    executor: "0x0000000000000000000000000000000000000000",
    ...change,
  };
}

const reported = {
  statusName: "reported",
  reportDigest: digestA,
  challengeEndsAt: 1500n,
  executor: peer,
} as const;
const myTurn = { executor: self, turn: 0 };
const quorum = { quorum: 2, quorumStake: 200n };
const short: SigningView = { count: 1, stake: 100n, ...quorum };
const enough: SigningView = { count: 2, stake: 200n, ...quorum };

const NOW = 1000n;

describe("decide: what a keeper does next for a request", () => {
  const rows: [string, RequestRecord, OnChainView, RequestAction | RequestAction["kind"], bigint?][] = [
    // Open, before its deadline, nothing held.
    ["a new request: read who executes it", record(), { request: request() }, "read-schedule"],
    [
      "a new request, this keeper's turn: answer it",
      record(),
      { request: request({ round: 2 }), schedule: { executor: self, turn: 3 } },
      { kind: "answer", round: 2, turn: 3 },
    ],
    [
      "not this keeper's turn: wait for the scheduled keeper",
      record(),
      { request: request(), schedule: { executor: peer, turn: 1 } },
      "wait",
    ],
    [
      "its turn has passed to another keeper, its report signed: that keeper submits it",
      record({ phase: "signed", signed: signedReport(0) }),
      { request: request(), schedule: { executor: peer, turn: 1 } },
      "wait",
    ],
    [
      "its turn, a report signed (its own or a peer's it co-signed): weigh the signatures held",
      record({ phase: "signed", signed: signedReport(0) }),
      { request: request(), schedule: myTurn },
      "weigh-signatures",
    ],
    [
      "co-signatures pending (too few signers): collect",
      record({ phase: "signed", signed: signedReport(0) }),
      { request: request(), schedule: myTurn, signing: short },
      "collect",
    ],
    [
      "co-signatures pending (enough signers, too little stake): collect",
      record({ phase: "signed", signed: signedReport(0) }),
      { request: request(), schedule: myTurn, signing: { count: 3, stake: 199n, ...quorum } },
      "collect",
    ],
    [
      "quorum reached: submit",
      record({ phase: "signed", signed: signedReport(0) }),
      { request: request(), schedule: myTurn, signing: enough },
      "submit",
    ],
    [
      "a submission in flight since a stop: wait for it before anything else",
      record({ phase: "submitting", signed: signedReport(0), submitTx: tx }),
      { request: request() },
      { kind: "await-submission", tx },
    ],
    [
      "submitting but no transaction sent: decided as signed",
      record({ phase: "submitting", signed: signedReport(0) }),
      { request: request(), schedule: myTurn, signing: enough },
      "submit",
    ],
    [
      "unanswerable, its decline signed: collected and submitted like any report",
      record({
        phase: "signed",
        signed: signedReport(0),
        unanswerable: { reason: "model 1 is a composite" },
      }),
      { request: request(), schedule: myTurn, signing: short },
      "collect",
    ],
    [
      "unanswerable, nothing signed yet, its turn: answer (the answer is a decline)",
      record({ attempts: 2, unanswerable: { reason: "no adapter" } }),
      { request: request(), schedule: myTurn },
      { kind: "answer", round: 0, turn: 0 },
    ],
    // Past the deadline.
    ["open past its deadline: expire it", record(), { request: request() }, "expire", 2001n],
    ["at its deadline it can still be answered", record(), { request: request() }, "read-schedule", 2000n],
    ["expired and recorded so: wait", record({ phase: "expired" }), { request: request() }, "wait", 2001n],
    [
      "expired holding a signed report: expire, never submit",
      record({ phase: "signed", signed: signedReport(0) }),
      { request: request(), schedule: myTurn, signing: enough },
      "expire",
      2001n,
    ],
    // Reported.
    [
      "reported by someone else: record it, first sight",
      record(),
      { request: request(reported) },
      { kind: "record-report", firstSeen: true },
    ],
    [
      "its own report accepted: record it, first sight",
      record({ phase: "submitting", signed: signedReport(0), submitTx: tx }),
      { request: request(reported) },
      { kind: "record-report", firstSeen: true },
    ],
    [
      "reported and already recorded: nothing new to check",
      record({ phase: "reported", acceptedDigest: digestA }),
      { request: request(reported) },
      { kind: "record-report", firstSeen: false },
    ],
    [
      "another report accepted in the next round: first sight again",
      record({ phase: "reported", acceptedDigest: digestB }),
      { request: request({ ...reported, round: 1 }) },
      { kind: "record-report", firstSeen: true },
    ],
    // Voided, reorganised, disputed.
    [
      "voided (challenged or a dispute upheld) while recorded as reported: next round",
      record({ phase: "reported", acceptedDigest: digestA, signed: signedReport(0) }),
      { request: request({ round: 1 }) },
      { kind: "reopen", round: 1, voided: true },
    ],
    [
      "voided in a round this keeper only co-signed: next round",
      record({ phase: "signed", signed: signedReport(0) }),
      { request: request({ round: 1 }) },
      { kind: "reopen", round: 1, voided: true },
    ],
    [
      "stale record after a reorg: recorded as reported, open again in the same round",
      record({ phase: "reported", acceptedDigest: digestA, signed: signedReport(0) }),
      { request: request() },
      { kind: "reopen", round: 0, voided: false },
    ],
    [
      "disputed: the court decides, the keeper waits",
      record({ phase: "reported", acceptedDigest: digestA }),
      { request: request({ ...reported, statusName: "disputed" }) },
      "wait",
    ],
    ["not a request the market knows", record(), { request: request({ statusName: "none" }) }, "wait"],
    // Settled.
    [
      "finalized: record it, first sight",
      record({ phase: "reported", acceptedDigest: digestA }),
      { request: request({ ...reported, statusName: "finalized" }) },
      { kind: "settle", phase: "finalized", ended: true },
    ],
    [
      "finalized and recorded so",
      record({ phase: "finalized" }),
      { request: request({ ...reported, statusName: "finalized" }) },
      { kind: "settle", phase: "finalized", ended: false },
    ],
    [
      "refunded (declined or expired): record it",
      record({ phase: "expired" }),
      { request: request({ statusName: "refunded" }) },
      { kind: "settle", phase: "refunded", ended: true },
    ],
  ];

  it.each(rows)("%s", (_, held, onChain, expected, now = NOW) => {
    const action = decide(held, onChain, now, self);
    if (typeof expected === "string") expect(action.kind).toBe(expected);
    else expect(action).toEqual(expected);
  });

  it("compares addresses whatever their case", () => {
    const schedule = { executor: self.toLowerCase() as Address, turn: 0 };
    expect(decide(record(), { request: request(), schedule }, NOW, self).kind).toBe("answer");
  });

  it("needs both quorums: signers and stake", () => {
    expect(holdsQuorum(enough)).toBe(true);
    expect(holdsQuorum({ ...enough, count: 1 })).toBe(false);
    expect(holdsQuorum({ ...enough, stake: 199n })).toBe(false);
  });
});

describe("triage: what a tick does with a stored request", () => {
  const reportedRecord = (executor: Address) =>
    record({ phase: "reported", acceptedDigest: digestA, challengeEndsAt: "1000", executor });
  const rows: [string, RequestRecord, bigint, Triage][] = [
    ["finalized: settled, skipped", record({ phase: "finalized" }), 5000n, "skip"],
    ["refunded: settled, skipped", record({ phase: "refunded" }), 5000n, "skip"],
    ["open: inspected", record(), 1000n, "inspect"],
    ["signed: inspected", record({ phase: "signed", signed: signedReport(0) }), 1000n, "inspect"],
    ["expired: inspected (it may be refunded)", record({ phase: "expired" }), 5000n, "inspect"],
    ["reported, challenge window open: inspected", reportedRecord(self), 1000n, "inspect"],
    ["reported by this keeper, window closed: finalized at once", reportedRecord(self), 1001n, "finalize"],
    [
      "reported by a peer, window closed, within the grace: inspected",
      reportedRecord(peer),
      1010n,
      "inspect",
    ],
    ["reported by a peer, past the grace: finalized", reportedRecord(peer), 1011n, "finalize"],
    [
      "reported without a window recorded: inspected",
      record({ phase: "reported", acceptedDigest: digestA }),
      9999n,
      "inspect",
    ],
  ];

  it.each(rows)("%s", (_, held, now, expected) => {
    expect(triage(held, now, self, 10n)).toBe(expected);
  });
});

describe("mayBeReorganised: which stored requests have their event block checked", () => {
  const rows: [string, RequestRecord, boolean][] = [
    ["open, within the horizon", record({ blockNumber: "96" }), true],
    ["open, below the horizon: final", record({ blockNumber: "95" }), false],
    ["signed: its report is kept whatever happens", record({ phase: "signed", blockNumber: "100" }), false],
    ["reported", record({ phase: "reported", blockNumber: "100" }), false],
  ];

  it.each(rows)("%s", (_, held, expected) => {
    expect(mayBeReorganised(held, 96n)).toBe(expected);
  });
});
