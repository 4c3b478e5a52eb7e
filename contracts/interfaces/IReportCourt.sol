// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket} from "./IInferenceMarket.sol";
import {IKeeperRegistry} from "./IKeeperRegistry.sol";

/// @title IReportCourt
/// @notice Bonded disputes of wrong but consistent attribution reports, and proofs of equivocation at any time.
///
/// A report no keeper contradicts (the quorum signed one answer only) cannot be challenged at the market. Anyone
/// who finds it wrong (misattributed, or an output that does not answer the input) disputes it within its
/// challenge window by posting a bond: the market freezes the request and the registry freezes every signer's
/// stake until the dispute can be decided. The guardian rules within `resolutionPeriod`; its ruling becomes
/// executable after `appealWindow`, during which governance (the owner, a timelock) may override it. A ruling by
/// the owner is final and executable at once. Anyone then executes it:
/// - upheld: the report is voided and the request reopens in its next round; each signer is slashed
///   `disputeSlashBps` of its stake, the registry's challenger part going to the disputer, and the bond returns;
/// - rejected: the report stands and can be finalized at once; the bond is forfeited, half to the report's
///   executor for the delay and the rest to the treasury;
/// - nobody ruled by `resolutionPeriod`: as rejected, except that the bond returns (nobody found the dispute
///   wrong). An absent guardian therefore lets disputes delay settlement for free; governance keeps one.
/// A disputer that is the request's requester or a signer of the report earns no slash reward, so that voiding a
/// delivered answer (or one's own) never pays.
///
/// Equivocation (one keeper signing two different reports of one request and round) is proven here whatever the
/// request's status and however late, complementing the market's `challenge`, which works only on an accepted
/// report within its window. The registry slashes once per keeper, request and round, so the two paths never
/// take stake twice for one equivocation.
interface IReportCourt {
    /// @notice A dispute's ruling. `None` while nobody ruled (and after a dispute timed out).
    enum Ruling {
        None,
        Upheld,
        Rejected
    }

    /// @notice The latest dispute of a request (a request can be disputed again in a later round).
    /// @param disputer Who disputed and posted the bond.
    /// @param round The request's round the disputed report belongs to.
    /// @param ruling The ruling in force.
    /// @param executed Whether the dispute was executed (then a new one may be opened in a later round).
    /// @param openedAt When the dispute was opened.
    /// @param resolveBy The end of the resolution period: last moment (exclusive) for a first ruling, and when an
    /// unruled dispute times out.
    /// @param appealWindow Seconds a guardian ruling waits before it is executable (fixed when the dispute opened).
    /// @param executableAt When the ruling can be executed (zero while nobody ruled).
    /// @param bond OPEN posted by the disputer.
    struct Dispute {
        address disputer;
        uint16 round;
        Ruling ruling;
        bool executed;
        uint64 openedAt;
        uint64 resolveBy;
        uint64 appealWindow;
        uint64 executableAt;
        uint256 bond;
    }

    /// @notice Governance parameters. A dispute keeps the resolution period and appeal window in force when it
    /// was opened.
    /// @param minBond Smallest bond, in OPEN wei (above zero: a dispute always risks something).
    /// @param bondFeeBps Bond as a share of the request's fee, in basis points, up to `MAX_BOND_FEE_BPS` (ten times
    /// the fee); the bond is the larger of this and `minBond`.
    /// @param resolutionPeriod Seconds the guardian or governance has to rule after a dispute opens.
    /// @param appealWindow Seconds a guardian ruling waits, during which governance may override it.
    struct Parameters {
        uint256 minBond;
        uint32 bondFeeBps;
        uint64 resolutionPeriod;
        uint64 appealWindow;
    }

    // ─── Errors ───────────────────────────────────────────────────────────────

    /// @notice A zero address was given where a contract or account is required.
    error CourtZeroAddress();
    /// @notice The market is wired to keeper registry `keeperRegistry` and token `token`, not the ones given.
    error CourtWiringMismatch(address keeperRegistry, address token);
    /// @notice A zero minimum bond, a bond share above `MAX_BOND_FEE_BPS`, or a resolution period or appeal window
    /// outside [MIN_PERIOD, MAX_PERIOD].
    error CourtParametersOutOfBounds(uint256 minBond, uint32 bondFeeBps, uint64 resolutionPeriod, uint64 appealWindow);
    /// @notice Request `requestId` already has a dispute open (in round `round`).
    error CourtDisputeOpen(uint256 requestId, uint16 round);
    /// @notice Request `requestId` has no open dispute (never disputed, or its dispute was executed).
    error CourtNoOpenDispute(uint256 requestId);
    /// @notice `caller` is neither the guardian nor the owner.
    error CourtCallerNotJudge(address caller);
    /// @notice The dispute of `requestId` was already ruled: the guardian rules once, governance only while the
    /// guardian's ruling waits (until `executableAt`).
    error CourtAlreadyRuled(uint256 requestId, uint64 executableAt);
    /// @notice Nobody ruled on the dispute of `requestId` by `resolveBy`; it can only be executed (timed out).
    error CourtResolutionPeriodOver(uint256 requestId, uint64 resolveBy);
    /// @notice The dispute of `requestId` can be executed from `executableAt`.
    error CourtNotExecutable(uint256 requestId, uint64 executableAt);
    /// @notice Signature `index` (0: first report, 1: second) is malformed or does not recover.
    error CourtInvalidSignature(uint256 index);
    /// @notice The two reports answer different requests, `requestIdA` and `requestIdB`.
    error CourtReportRequestMismatch(uint256 requestIdA, uint256 requestIdB);
    /// @notice The two reports belong to different rounds, `roundA` and `roundB`: signing each round once is honest.
    error CourtRoundMismatch(uint16 roundA, uint16 roundB);
    /// @notice The two reports are the same report (digest `digest`).
    error CourtSameReport(bytes32 digest);
    /// @notice The reports were signed by different accounts, `signerA` and `signerB`.
    error CourtSignersDiffer(address signerA, address signerB);
    /// @notice `signer` holds no keeper stake: its signatures prove nothing worth recording.
    error CourtNotAKeeper(address signer);

    // ─── Events ───────────────────────────────────────────────────────────────

    /// @notice `disputer` disputed the accepted report of `requestId` in `round`, posting `bond`; the evidence is at
    /// `evidenceURI`.
    event DisputeOpened(
        uint256 indexed requestId, uint16 round, address indexed disputer, uint256 bond, string evidenceURI
    );
    /// @notice `by` (guardian or owner) ruled the dispute of `requestId` `upheld` or not; it is executable from
    /// `executableAt`.
    event DisputeRuled(uint256 indexed requestId, bool upheld, address indexed by, uint64 executableAt);
    /// @notice The dispute of `requestId` was executed: `upheld` voided the report and slashed its signers
    /// `slashed` OPEN in total; otherwise the report stands (`BondForfeited` tells a rejection from a timeout).
    event DisputeExecuted(uint256 indexed requestId, bool upheld, uint256 slashed);
    /// @notice The bond of a rejected dispute of `requestId` went `executorAmount` to the report's `executor` and
    /// `treasuryAmount` to the treasury.
    event BondForfeited(
        uint256 indexed requestId, address indexed executor, uint256 executorAmount, uint256 treasuryAmount
    );
    /// @notice `prover` proved that `keeper` signed both `digestA` and `digestB` for `requestId` in `round`;
    /// `slashed` OPEN was taken (zero when that equivocation had already been slashed).
    event EquivocationProven(
        uint256 indexed requestId,
        uint16 round,
        address indexed keeper,
        bytes32 digestA,
        bytes32 digestB,
        address indexed prover,
        uint256 slashed
    );
    /// @notice The governance parameters changed (for disputes opened from now on).
    event ParametersSet(uint256 minBond, uint32 bondFeeBps, uint64 resolutionPeriod, uint64 appealWindow);
    /// @notice The guardian changed (zero: retired, only governance rules).
    event GuardianSet(address indexed guardian);
    /// @notice The treasury receiving forfeited bonds changed.
    event TreasurySet(address indexed treasury);

    // ─── Disputes ─────────────────────────────────────────────────────────────

    /// @notice Disputes the accepted report of `requestId`, pulling the bond (`bondFor`) from the caller. The
    /// request must be `Reported` and inside its challenge window (the market's `markDisputed` reverts
    /// otherwise), with no dispute open. Freezes the request and every signer's stake until the dispute can be
    /// decided (`resolutionPeriod + appealWindow`).
    /// @param requestId The reported request.
    /// @param evidenceURI Where the evidence that the report is wrong can be fetched.
    /// @return bond The bond posted.
    function dispute(uint256 requestId, string calldata evidenceURI) external returns (uint256 bond);

    /// @notice Rules on the open dispute of `requestId`. The guardian rules once, before `resolveBy`; its ruling is
    /// executable after the appeal window. The owner (governance) rules before `resolveBy` or overrides a waiting
    /// guardian ruling; its ruling is executable at once. An upheld ruling keeps the signers frozen for one more
    /// resolution period after it becomes executable, the time anyone has to execute it.
    /// @param requestId The disputed request.
    /// @param upheld Whether the report is wrong.
    function rule(uint256 requestId, bool upheld) external;

    /// @notice Executes the dispute of `requestId` once its ruling is executable, or once `resolveBy` passed with
    /// no ruling (timeout). Callable by anyone.
    /// @param requestId The disputed request.
    /// @return slashed OPEN slashed from the report's signers (zero unless upheld).
    function execute(uint256 requestId) external returns (uint256 slashed);

    /// @notice Proves that one keeper signed two different reports (`market.hashReport` digests) for the same
    /// request and round, whatever the request's status, and slashes it (`slashEquivocation`) once per request and
    /// round, the challenger's part going to the caller unless the caller is that keeper.
    /// @param a The first report.
    /// @param signatureA The keeper's 65-byte signature over `a`'s digest.
    /// @param b The second report.
    /// @param signatureB The keeper's signature over `b`'s digest.
    /// @return keeper The equivocating keeper.
    /// @return slashed OPEN slashed (zero when this equivocation was already slashed, at the market or here).
    function proveEquivocation(
        IInferenceMarket.AttributionReport calldata a,
        bytes calldata signatureA,
        IInferenceMarket.AttributionReport calldata b,
        bytes calldata signatureB
    ) external returns (address keeper, uint256 slashed);

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets the bond and the periods of disputes opened from now on.
    /// @param minBond Smallest bond (above zero).
    /// @param bondFeeBps Bond as a share of the fee (at most `MAX_BOND_FEE_BPS`).
    /// @param resolutionPeriod Seconds to rule, within [MIN_PERIOD, MAX_PERIOD].
    /// @param appealWindow Seconds a guardian ruling waits, within [MIN_PERIOD, MAX_PERIOD].
    function setParameters(uint256 minBond, uint32 bondFeeBps, uint64 resolutionPeriod, uint64 appealWindow) external;

    /// @notice Sets the guardian who rules first; zero retires it (then only governance rules).
    /// @param guardian The guardian.
    function setGuardian(address guardian) external;

    /// @notice Sets the treasury receiving the non-executor part of forfeited bonds.
    /// @param treasury The treasury.
    function setTreasury(address treasury) external;

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @notice The latest dispute of `requestId` (all zero while none).
    /// @param requestId The request.
    /// @return The dispute.
    function getDispute(uint256 requestId) external view returns (Dispute memory);

    /// @notice The bond a dispute of `requestId` costs now: `max(minBond, fee * bondFeeBps / 10,000)`.
    /// @dev Reverts with the market's `MarketUnknownRequest` for an unknown request.
    /// @param requestId The request.
    /// @return The bond.
    function bondFor(uint256 requestId) external view returns (uint256);

    /// @notice Current governance parameters.
    /// @return The parameters.
    function parameters() external view returns (Parameters memory);

    /// @notice The market whose reports are disputed.
    /// @return The market.
    function market() external view returns (IInferenceMarket);

    /// @notice The registry that freezes and slashes the signers.
    /// @return The keeper registry.
    function keeperRegistry() external view returns (IKeeperRegistry);

    /// @notice The bond token (OPEN).
    /// @return The token.
    function token() external view returns (address);

    /// @notice Who rules first (zero while none).
    /// @return The guardian.
    function guardian() external view returns (address);

    /// @notice Receiver of the non-executor part of forfeited bonds.
    /// @return The treasury.
    function treasury() external view returns (address);
}
