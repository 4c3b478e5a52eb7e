// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDatanetRegistry} from "./IDatanetRegistry.sol";

/// @title IInferenceMarket
/// @notice Paid inference with Proof of Attribution. A requester escrows a model's price; staked keepers run
/// the model, compute which contributions shaped the output and post an EIP-712 `AttributionReport` signed by
/// active keepers holding a stake quorum, executed by the keeper the schedule names. Anyone holding two
/// different reports of one round signed by one keeper can challenge within the challenge window: the accepted
/// report is voided, the keepers who signed both are slashed and the request reopens in a new round (with a
/// grace period past its deadline). A wrong but consistent report can be disputed with a bond at the report
/// court, which freezes the request until its ruling. After the window anyone finalizes: the fee is split
/// among the treasury, the executing keeper, the model's owner(s) and the attributed contributions' payees,
/// credited in the RewardVault, and ContributionVotes are minted for what contributors and model owners
/// earned, in total no more than the protocol share that left the payer for good.
/// @dev Fee split of `fee` at finalization, every floor-division remainder going to the treasury:
/// executor `fee * executorFeeBps / 10000`; model share `M = fee * modelFeeBps / 10000` paid to the
/// `revenueShares` recipients by weight; data share `D = fee * dataFeeBps / 10000` (data bps =
/// 10000 - protocol - executor - model) paid `D * weightBps / 10000` to each attributed contribution's payee
/// (recorded when the report is accepted), and the unattributed part `D * (10000 - sum of weights) / 10000`
/// shared by the owners of the datanets of the attributed contributions in proportion to their weight (the
/// treasury's when nothing is attributed, so listing empty datanets earns nothing); the treasury receives the
/// rest, so the parts always sum exactly to `fee`. The split's basis points are those in force when the
/// request was made. Votes minted to each model owner and contributor: `amount * protocolFeeBps / (modelFeeBps
/// + dataFeeBps)`, so a request mints at most its protocol share in votes.
interface IInferenceMarket {
    /// @notice Lifecycle of a request. A challenged report returns the request to `Open`.
    /// `Disputed` (a report under the court's review) is last so that earlier values keep their numbers.
    enum RequestStatus {
        None,
        Open,
        Reported,
        Finalized,
        Refunded,
        Disputed
    }

    /// @notice One contribution's share of an output, in basis points (EIP-712 type `Attribution`).
    struct Attribution {
        uint256 contributionId;
        uint16 weightBps;
    }

    /// @notice What a keeper quorum attests about one request (EIP-712 primary type `AttributionReport`).
    /// @param requestId The request answered.
    /// @param round The request's round: 0, then one more each time a report is voided. A report is accepted
    /// only in the request's current round, so a voided report can never be replayed.
    /// @param modelId The model that answered; must be the requested model.
    /// @param outputHash sha256 of the output; zero declines the request (see `submitReport`).
    /// @param outputURI Where the output can be fetched; for a decline, why the request cannot be answered.
    /// @param executor The keeper that submits and takes the executor's share: one of the signers, and the
    /// scheduled executor of the current or the previous turn (`scheduledExecutor`). Not part of the signed
    /// EIP-712 struct: the signatures attest the answer, the schedule names who delivers it, so a turn that
    /// passes never forces keepers to sign the same answer twice (which would read as equivocation).
    /// @param attributionVersion Version of the attribution algorithm that computed the weights.
    /// @param attributions Contributions by strictly ascending id with non-zero weights summing to at most
    /// 10,000 basis points.
    struct AttributionReport {
        uint256 requestId;
        uint16 round;
        uint256 modelId;
        bytes32 outputHash;
        string outputURI;
        address executor;
        uint32 attributionVersion;
        Attribution[] attributions;
    }

    /// @notice A request as stored.
    /// @param requester Who paid, and who is refunded.
    /// @param deadline Last timestamp at which a report is accepted; a voided report pushes it to at least
    /// `reopenGrace` after the voiding.
    /// @param status Lifecycle status.
    /// @param round Current round (see `AttributionReport.round`).
    /// @param executor Executor of the accepted report (zero while none).
    /// @param challengeEndsAt End of the accepted report's challenge window (zero while none).
    /// @param declined The accepted report declines the request: finalizing it refunds the requester.
    /// @param modelId The requested model.
    /// @param fee OPEN escrowed.
    /// @param openedAt When the current round opened: the start of the executor schedule.
    /// @param protocolFeeBps Protocol share in force when the request was made.
    /// @param executorFeeBps Executor share in force when the request was made.
    /// @param modelFeeBps Model share in force when the request was made.
    /// @param reportDigest EIP-712 digest of the accepted report (zero while none).
    struct Request {
        address requester;
        uint64 deadline;
        RequestStatus status;
        uint16 round;
        address executor;
        uint64 challengeEndsAt;
        bool declined;
        uint256 modelId;
        uint128 fee;
        uint64 openedAt;
        uint16 protocolFeeBps;
        uint16 executorFeeBps;
        uint16 modelFeeBps;
        bytes32 reportDigest;
    }

    /// @notice An attribution of an accepted report with the payee recorded at acceptance.
    struct RecordedAttribution {
        uint256 contributionId;
        uint16 weightBps;
        address payee;
    }

    /// @notice Governance parameters of the market.
    /// @param challengeWindow Seconds after a report during which it can be challenged; shorter than the
    /// keepers' unbonding delay.
    /// @param requestTimeout Seconds a request waits for a report before it can be refunded.
    /// @param maxAttributions Most attributions a report may carry.
    /// @param protocolFeeBps Treasury share of each fee.
    /// @param executorFeeBps Executing keeper's share.
    /// @param modelFeeBps Model owners' share. The data share is what remains of 10,000.
    /// @param executorTurn Seconds each scheduled executor has before the turn passes to the next keeper.
    /// @param reopenGrace Seconds a voided request stays reportable at least, whatever its deadline.
    /// @param maxReportedFeesBps Most fees awaiting settlement (reported or disputed) per active keeper stake, in
    /// basis points: the stake that can be slashed always covers the fees its reports control.
    struct Parameters {
        uint64 challengeWindow;
        uint64 requestTimeout;
        uint16 maxAttributions;
        uint16 protocolFeeBps;
        uint16 executorFeeBps;
        uint16 modelFeeBps;
        uint64 executorTurn;
        uint64 reopenGrace;
        uint32 maxReportedFeesBps;
    }

    /// @notice Contracts the market works with; fixed at deployment.
    struct Wiring {
        address token;
        address datanetRegistry;
        address modelRegistry;
        address keeperRegistry;
        address rewardVault;
        address contributionVotes;
    }

    // ─── Errors ───────────────────────────────────────────────────────────────

    /// @notice A zero address was given where an account or contract is required.
    error MarketZeroAddress();
    /// @notice A zero input hash was given.
    error MarketZeroInputHash();
    /// @notice Model `modelId` does not take requests (unknown, paused, retired or delisted).
    error MarketModelNotRequestable(uint256 modelId);
    /// @notice The model's price `price` is above the requester's `maxFee`.
    error MarketFeeAboveMax(uint256 price, uint256 maxFee);
    /// @notice Request `requestId` does not exist.
    error MarketUnknownRequest(uint256 requestId);
    /// @notice Request `requestId` is `status`, not `Open`.
    error MarketRequestNotOpen(uint256 requestId, RequestStatus status);
    /// @notice Request `requestId` is `status`, not `Reported`.
    error MarketRequestNotReported(uint256 requestId, RequestStatus status);
    /// @notice Request `requestId` stopped taking reports at `deadline`.
    error MarketRequestExpired(uint256 requestId, uint64 deadline);
    /// @notice Request `requestId` can be refunded only after `deadline`.
    error MarketDeadlineNotReached(uint256 requestId, uint64 deadline);
    /// @notice The report names model `reported` for a request of model `requested`.
    error MarketModelMismatch(uint256 requestId, uint256 requested, uint256 reported);
    /// @notice `count` signatures is below the quorum `quorum`.
    error MarketBelowQuorum(uint256 count, uint256 quorum);
    /// @notice The signers hold `signedStake`, below the stake quorum `quorumStake`.
    error MarketBelowStakeQuorum(uint256 signedStake, uint256 quorumStake);
    /// @notice The report is for round `reported` of request `requestId`, whose current round is `current`.
    error MarketWrongRound(uint256 requestId, uint16 current, uint16 reported);
    /// @notice `executor` is not the scheduled executor of the current turn (`scheduled`) or the previous one.
    error MarketNotScheduledExecutor(address executor, address scheduled);
    /// @notice Accepting a report with `fee` would put fees awaiting settlement (`reportedFees`) above `capacity`,
    /// the share of active keeper stake that may back them.
    error MarketStakeCapacityExceeded(uint256 fee, uint256 reportedFees, uint256 capacity);
    /// @notice The caller is not the report court.
    error MarketCallerNotCourt(address caller);
    /// @notice The court cannot change while `count` disputes are open: they would never be settled.
    error MarketDisputesOpen(uint256 count);
    /// @notice Request `requestId` is `status`, not `Disputed`.
    error MarketRequestNotDisputed(uint256 requestId, RequestStatus status);
    /// @notice A contribution or datanet id too large to record (`id` above 2^48 or 2^32).
    error MarketIdTooLarge(uint256 id);
    /// @notice An executor turn outside [MIN_EXECUTOR_TURN, MAX_EXECUTOR_TURN], a reopen grace outside
    /// [MIN_REQUEST_TIMEOUT, MAX_REQUEST_TIMEOUT], or a zero capacity.
    error MarketScheduleOutOfBounds(uint64 executorTurn, uint64 reopenGrace, uint32 maxReportedFeesBps);
    /// @notice Signature `index` is malformed or does not recover.
    error MarketInvalidSignature(uint256 index);
    /// @notice Signer `signer` at `index` is not strictly above the previous signer (sort ascending, no repeats).
    error MarketSignersNotAscending(uint256 index, address signer);
    /// @notice `signer` is not an active keeper.
    error MarketInactiveKeeper(address signer);
    /// @notice The executor `executor` did not sign the report.
    error MarketExecutorNotSigner(address executor);
    /// @notice `count` attributions is above `max`.
    error MarketTooManyAttributions(uint256 count, uint256 max);
    /// @notice Contribution ids must be strictly ascending; `contributionId` at `index` is not.
    error MarketAttributionsNotAscending(uint256 index, uint256 contributionId);
    /// @notice Contribution `contributionId` has weight zero.
    error MarketZeroWeight(uint256 contributionId);
    /// @notice The weights sum to `sum`, above 10,000.
    error MarketWeightsExceedTotal(uint256 sum);
    /// @notice Contribution `contributionId` is `status`, not `Accepted`.
    error MarketContributionNotAccepted(uint256 contributionId, IDatanetRegistry.ContributionStatus status);
    /// @notice Contribution `contributionId` belongs to datanet `datanetId`, which model `modelId` does not use.
    error MarketContributionNotInModel(uint256 contributionId, uint256 datanetId, uint256 modelId);
    /// @notice The conflicting report answers request `reported`, not `requestId`.
    error MarketReportRequestMismatch(uint256 requestId, uint256 reported);
    /// @notice The "conflicting" report is the accepted report (digest `digest`).
    error MarketSameReport(uint256 requestId, bytes32 digest);
    /// @notice None of the conflicting report's signers signed the accepted report of `requestId`.
    error MarketNoEquivocation(uint256 requestId);
    /// @notice A report declining request `requestId` (zero `outputHash`) carries `count` attributions.
    error MarketDeclineWithAttributions(uint256 requestId, uint256 count);
    /// @notice The challenge window of request `requestId` closed at `challengeEndsAt`.
    error MarketChallengeWindowClosed(uint256 requestId, uint64 challengeEndsAt);
    /// @notice The challenge window of request `requestId` is open until `challengeEndsAt`.
    error MarketChallengeWindowOpen(uint256 requestId, uint64 challengeEndsAt);
    /// @notice `finalize` was called with no request ids.
    error MarketEmptyBatch();
    /// @notice A challenge window outside [MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW] or not shorter than the
    /// keepers' unbonding delay `unbondingDelay`.
    error MarketChallengeWindowOutOfBounds(uint64 challengeWindow, uint64 unbondingDelay);
    /// @notice A request timeout outside [MIN_REQUEST_TIMEOUT, MAX_REQUEST_TIMEOUT].
    error MarketRequestTimeoutOutOfBounds(uint64 requestTimeout);
    /// @notice A maximum attribution count outside [1, MAX_ATTRIBUTIONS_LIMIT].
    error MarketMaxAttributionsOutOfBounds(uint256 maxAttributions);
    /// @notice A fee split above the per-share caps or leaving a data share below MIN_DATA_FEE_BPS.
    error MarketFeeSplitOutOfBounds(uint16 protocolFeeBps, uint16 executorFeeBps, uint16 modelFeeBps);

    // ─── Events ───────────────────────────────────────────────────────────────

    /// @notice `requester` escrowed `fee` OPEN for one inference of `modelId`; keepers answer by `deadline`.
    event InferenceRequested(
        uint256 indexed requestId,
        address indexed requester,
        uint256 indexed modelId,
        bytes32 inputHash,
        string inputURI,
        uint256 fee,
        uint64 deadline
    );
    /// @notice A quorum-signed report for `requestId` was accepted; it can be challenged until `challengeEndsAt`.
    event ReportSubmitted(
        uint256 indexed requestId,
        bytes32 indexed digest,
        address indexed executor,
        AttributionReport report,
        address[] signers,
        uint64 challengeEndsAt
    );
    /// @notice `challenger` proved that `slashedKeepers` signed both the accepted report `voidedDigest` and
    /// `conflictingDigest`; the report was voided and the request reopened (`RequestReopened`).
    event ReportChallenged(
        uint256 indexed requestId,
        address indexed challenger,
        bytes32 voidedDigest,
        bytes32 conflictingDigest,
        address[] slashedKeepers
    );
    /// @notice The accepted report of `requestId` was voided (challenged, or its dispute upheld): the request is
    /// open again in `round`, reportable until `deadline`.
    event RequestReopened(uint256 indexed requestId, uint16 round, uint64 deadline);
    /// @notice The report court froze request `requestId` while it rules on a dispute of its report.
    event ReportDisputed(uint256 indexed requestId, bytes32 indexed digest);
    /// @notice The court ruled on request `requestId`'s dispute: `upheld` voided the report (`RequestReopened`),
    /// otherwise the report stands and can be finalized at once.
    event DisputeSettled(uint256 indexed requestId, bool upheld);
    /// @notice Request `requestId` was settled: its `fee` split as listed (the parts sum to `fee`).
    event RequestFinalized(
        uint256 indexed requestId,
        uint256 indexed modelId,
        address indexed executor,
        uint256 fee,
        uint256 treasuryAmount,
        uint256 executorAmount,
        uint256 modelAmount,
        uint256 attributedAmount,
        uint256 unattributedAmount
    );
    /// @notice Contribution `contributionId`'s payee was credited `amount` for request `requestId`.
    event AttributionPaid(
        uint256 indexed requestId, uint256 indexed contributionId, address indexed payee, uint256 amount
    );
    /// @notice Model revenue `amount` of request `requestId` was credited to `recipient`.
    event ModelRevenuePaid(
        uint256 indexed requestId, uint256 indexed modelId, address indexed recipient, uint256 amount
    );
    /// @notice Unattributed data share `amount` of request `requestId` was credited to datanet `datanetId`'s owner
    /// (in proportion to the weight attributed to that datanet's contributions).
    event DatanetRemainderPaid(
        uint256 indexed requestId, uint256 indexed datanetId, address indexed owner, uint256 amount
    );
    /// @notice Minting `amount` votes to `account` failed (for instance governance revoked the market's minter
    /// role); the OPEN was still credited, so settlement never blocks on the votes token.
    event VotesMintFailed(address indexed account, uint256 amount);
    /// @notice `finalize` left request `requestId` as it was: unknown (`None`), not `Reported`, or (when
    /// `Reported`) its challenge window still open until `challengeEndsAt`.
    event FinalizeSkipped(uint256 indexed requestId, RequestStatus status, uint64 challengeEndsAt);
    /// @notice Request `requestId` went back to `requester` with its `fee`: it expired unreported, or its
    /// accepted report declined it and was finalized.
    event RequestRefunded(uint256 indexed requestId, address indexed requester, uint256 fee);
    /// @notice The challenge window changed.
    event ChallengeWindowSet(uint64 challengeWindow);
    /// @notice The request timeout changed.
    event RequestTimeoutSet(uint64 requestTimeout);
    /// @notice The maximum number of attributions per report changed.
    event MaxAttributionsSet(uint16 maxAttributions);
    /// @notice The fee split changed; `dataFeeBps` is the remainder of 10,000.
    event FeeSplitSet(uint16 protocolFeeBps, uint16 executorFeeBps, uint16 modelFeeBps, uint16 dataFeeBps);
    /// @notice The treasury changed.
    event TreasurySet(address indexed treasury);
    /// @notice The executor turn, reopen grace and settlement capacity changed.
    event ScheduleSet(uint64 executorTurn, uint64 reopenGrace, uint32 maxReportedFeesBps);
    /// @notice The report court changed.
    event CourtSet(address indexed court);

    // ─── Requests ─────────────────────────────────────────────────────────────

    /// @notice Requests one inference of `modelId`, escrowing its current price (pulled from the caller).
    /// @param modelId A requestable model (composites included).
    /// @param inputHash sha256 of the input.
    /// @param inputURI Where the input can be fetched.
    /// @param maxFee Most the caller accepts to pay; protects against a reprice in flight.
    /// @return requestId The new request's id (ids start at 1).
    function requestInference(uint256 modelId, bytes32 inputHash, string calldata inputURI, uint256 maxFee)
        external
        returns (uint256 requestId);

    /// @notice `requestInference` with an ERC-2612 permit of `maxFee` for the market, in one transaction.
    /// @dev A permit that fails (for instance front-run) is ignored when the allowance is already in place.
    /// @param modelId A requestable model.
    /// @param inputHash sha256 of the input.
    /// @param inputURI Where the input can be fetched.
    /// @param maxFee Most the caller accepts to pay, and the permit's value.
    /// @param permitDeadline The permit's deadline.
    /// @param v Permit signature `v`.
    /// @param r Permit signature `r`.
    /// @param s Permit signature `s`.
    /// @return requestId The new request's id.
    function requestInferenceWithPermit(
        uint256 modelId,
        bytes32 inputHash,
        string calldata inputURI,
        uint256 maxFee,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 requestId);

    /// @notice Refunds an open request after its deadline to its requester; callable by anyone.
    /// @param requestId The request.
    function refund(uint256 requestId) external;

    // ─── Reports ──────────────────────────────────────────────────────────────

    /// @notice Accepts a report for the request's current round, signed by at least `quorum` active keepers
    /// holding at least `quorumStake` (signatures ordered by strictly ascending signer address), the scheduled
    /// executor among them, while fees awaiting settlement stay within the stake capacity. Callable by anyone
    /// holding the signatures.
    /// A report with a zero `outputHash` and no attributions declines the request (the keepers cannot
    /// answer it, `outputURI` says why): it can be challenged like any report, and finalizing it refunds the
    /// whole fee to the requester instead of splitting it, so nobody earns from declining.
    /// @param report The report.
    /// @param signatures 65-byte ECDSA signatures over `hashReport(report)`.
    /// @return digest The report's EIP-712 digest.
    function submitReport(AttributionReport calldata report, bytes[] calldata signatures)
        external
        returns (bytes32 digest);

    /// @notice Proves equivocation: `conflictingReport` answers the same request in the same round with a
    /// different digest and is signed (ascending signer order) by keepers that also signed the accepted report.
    /// Voids the report, reopens the request in the next round and slashes each such keeper once per round
    /// (`slashEquivocation`), part of the slash going to the caller unless the caller is the requester or signed
    /// either report. Equivocations outside the window, or of reports never accepted, are proven at the court.
    /// @param requestId The reported request.
    /// @param conflictingReport A different report for `requestId`.
    /// @param signatures Signatures over `hashReport(conflictingReport)`, signers strictly ascending.
    /// @return slashedKeepers The keepers slashed.
    function challenge(uint256 requestId, AttributionReport calldata conflictingReport, bytes[] calldata signatures)
        external
        returns (address[] memory slashedKeepers);

    /// @notice Settles reported requests whose challenge window has passed; callable by anyone, batched. Ids that
    /// cannot be finalized (unknown, not `Reported`, window still open, or repeated in the batch) are skipped with
    /// `FinalizeSkipped`, so one such id (for instance one another keeper finalized first) does not sink the
    /// batch. When no id of the batch can be finalized the call reverts with the first id's reason
    /// (`MarketUnknownRequest`, `MarketRequestNotReported` or `MarketChallengeWindowOpen`).
    /// @param requestIds The requests.
    /// @return finalized How many of them were finalized.
    function finalize(uint256[] calldata requestIds) external returns (uint256 finalized);

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets the challenge window for reports accepted from now on.
    /// @param challengeWindow Seconds; shorter than the keepers' unbonding delay.
    function setChallengeWindow(uint64 challengeWindow) external;

    /// @notice Sets the report deadline of requests made from now on.
    /// @param requestTimeout Seconds.
    function setRequestTimeout(uint64 requestTimeout) external;

    /// @notice Sets the most attributions a report may carry.
    /// @param maxAttributions The maximum.
    function setMaxAttributions(uint16 maxAttributions) external;

    /// @notice Sets the fee split of requests finalized from now on.
    /// @param protocolFeeBps Treasury share.
    /// @param executorFeeBps Executing keeper's share.
    /// @param modelFeeBps Model owners' share; the data share is the rest of 10,000.
    function setFeeSplit(uint16 protocolFeeBps, uint16 executorFeeBps, uint16 modelFeeBps) external;

    /// @notice Sets the treasury credited with the protocol share and rounding remainders.
    /// @param treasury The treasury.
    function setTreasury(address treasury) external;

    /// @notice Sets the executor turn, the reopen grace and the settlement capacity.
    /// @param executorTurn Seconds per scheduled executor.
    /// @param reopenGrace Seconds a voided request stays reportable at least.
    /// @param maxReportedFeesBps Fees awaiting settlement per active stake, in basis points (above zero).
    function setSchedule(uint64 executorTurn, uint64 reopenGrace, uint32 maxReportedFeesBps) external;

    /// @notice Sets the report court, the only caller of `markDisputed` and `settleDispute`; refused while a
    /// dispute is open (`MarketDisputesOpen`).
    /// @param court The court (zero disables disputes).
    function setCourt(address court) external;

    // ─── Court ────────────────────────────────────────────────────────────────

    /// @notice Freezes request `requestId` (status `Disputed`) while the court rules on its report. Only the court,
    /// and only while the report can be challenged.
    /// @param requestId The reported request.
    function markDisputed(uint256 requestId) external;

    /// @notice Ends the dispute of `requestId`. Upheld: the report is voided and the request reopened in the next
    /// round; otherwise the report stands and can be finalized at once. Only the court.
    /// @param requestId The disputed request.
    /// @param upheld Whether the report was found wrong.
    function settleDispute(uint256 requestId, bool upheld) external;

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @notice EIP-712 digest of `report` under this market's domain (what keepers sign).
    /// @param report The report.
    /// @return The digest.
    function hashReport(AttributionReport calldata report) external view returns (bytes32);

    /// @notice The EIP-712 domain separator ({name: "PayableAI InferenceMarket", version: "1", chainId, market}).
    /// @return The separator.
    function domainSeparator() external view returns (bytes32);

    /// @notice A request; reverts with `MarketUnknownRequest` for an unknown id.
    /// @param requestId The request.
    /// @return The request.
    function getRequest(uint256 requestId) external view returns (Request memory);

    /// @notice Signers of a request's accepted report, ascending.
    /// @param requestId The request.
    /// @return The signers (empty while none is accepted).
    function reportSigners(uint256 requestId) external view returns (address[] memory);

    /// @notice Attributions of a request's accepted report with their recorded payees.
    /// @param requestId The request.
    /// @return The attributions (empty while none is accepted).
    function reportAttributions(uint256 requestId) external view returns (RecordedAttribution[] memory);

    /// @notice Number of requests made (the highest request id).
    /// @return The count.
    function requestCount() external view returns (uint256);

    /// @notice OPEN escrowed for open and reported requests.
    /// @return The escrow.
    function totalEscrowed() external view returns (uint256);

    /// @notice The executor of turn `turn` of round `round` of `requestId`, drawn in proportion to active stake
    /// (`IKeeperRegistry.selectExecutor` of `keccak256(abi.encode(requestId, round, turn))`). Works for requests
    /// not made yet, with today's active set.
    /// @param requestId The request.
    /// @param round The round.
    /// @param turn Turns since the round opened.
    /// @return The executor.
    function executorAt(uint256 requestId, uint16 round, uint256 turn) external view returns (address);

    /// @notice Fees of reported and disputed requests, awaiting settlement; bounded by the stake capacity.
    /// @return The fees.
    function reportedFees() external view returns (uint256);

    /// @notice The report court (zero while none).
    /// @return The court.
    function court() external view returns (address);

    /// @notice Requests now `Disputed`.
    /// @return The count.
    function disputesOpen() external view returns (uint256);

    /// @notice The keeper scheduled to execute `requestId` now (`executorAt` of its round and the current turn),
    /// with the turn number and when the next turn starts.
    /// @param requestId An open request.
    /// @return executor The scheduled executor.
    /// @return turn Turns since the round opened.
    /// @return nextTurnAt Timestamp of the next turn.
    function scheduledExecutor(uint256 requestId)
        external
        view
        returns (address executor, uint256 turn, uint64 nextTurnAt);

    /// @notice Current governance parameters.
    /// @return The parameters.
    function parameters() external view returns (Parameters memory);

    /// @notice Seconds a report can be challenged.
    /// @return The challenge window.
    function challengeWindow() external view returns (uint64);

    /// @notice Treasury credited with the protocol share and remainders.
    /// @return The treasury.
    function treasury() external view returns (address);

    /// @notice The contracts the market works with.
    /// @return The wiring.
    function wiring() external view returns (Wiring memory);
}
