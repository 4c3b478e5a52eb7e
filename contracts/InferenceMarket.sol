// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IContributionVotes} from "./interfaces/IContributionVotes.sol";
import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";
import {IInferenceMarket} from "./interfaces/IInferenceMarket.sol";
import {IKeeperRegistry} from "./interfaces/IKeeperRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IRewardVault} from "./interfaces/IRewardVault.sol";
import {AttributionReportLib} from "./libraries/AttributionReportLib.sol";

/// @title InferenceMarket
/// @notice Paid inference, quorum-signed attribution reports, challenges and the fee split. See
/// {IInferenceMarket}.
contract InferenceMarket is IInferenceMarket, Ownable, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using AttributionReportLib for AttributionReport;

    uint16 internal constant BPS = 10_000;
    /// @notice Bounds of `challengeWindow` (which must also stay below the keepers' unbonding delay).
    uint64 public constant MIN_CHALLENGE_WINDOW = 10 seconds;
    uint64 public constant MAX_CHALLENGE_WINDOW = 14 days;
    /// @notice Bounds of `requestTimeout`.
    uint64 public constant MIN_REQUEST_TIMEOUT = 30 seconds;
    uint64 public constant MAX_REQUEST_TIMEOUT = 30 days;
    /// @notice Largest value governance may give `maxAttributions`.
    uint16 public constant MAX_ATTRIBUTIONS_LIMIT = 64;
    /// @notice Caps of each share of the fee split; the data share never falls below `MIN_DATA_FEE_BPS`.
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 2000;
    uint16 public constant MAX_EXECUTOR_FEE_BPS = 3000;
    uint16 public constant MAX_MODEL_FEE_BPS = 8000;
    uint16 public constant MIN_DATA_FEE_BPS = 1000;
    /// @notice Bounds of `executorTurn`.
    uint64 public constant MIN_EXECUTOR_TURN = 5 seconds;
    uint64 public constant MAX_EXECUTOR_TURN = 1 days;

    IERC20 internal immutable _token;
    IDatanetRegistry internal immutable _datanets;
    IModelRegistry internal immutable _models;
    IKeeperRegistry internal immutable _keepers;
    IRewardVault internal immutable _vault;
    IContributionVotes internal immutable _votes;

    Parameters internal _parameters;
    /// @inheritdoc IInferenceMarket
    address public treasury;
    /// @inheritdoc IInferenceMarket
    uint256 public requestCount;
    /// @inheritdoc IInferenceMarket
    uint256 public totalEscrowed;
    /// @inheritdoc IInferenceMarket
    uint256 public reportedFees;
    /// @inheritdoc IInferenceMarket
    address public court;
    /// @inheritdoc IInferenceMarket
    uint256 public disputesOpen;

    mapping(uint256 requestId => Request) internal _requests;
    mapping(uint256 requestId => address[]) internal _signers;
    /// @dev One slot per attribution: payee (160 bits) | contribution id (48) | datanet id (32) | weight (16).
    mapping(uint256 requestId => uint256[]) internal _attributions;

    /// @dev Working memory of one request's fee split; a struct keeps the stack shallow.
    struct Split {
        uint256 requestId;
        uint256 modelId;
        uint256 fee;
        uint256 modelShare;
        uint256 dataShare;
        uint256 executorAmount;
        uint256 modelAmount;
        uint256 attributedAmount;
        uint256 unattributedAmount;
        uint256 treasuryAmount;
        uint256 count;
        uint256 votesCount;
        address[] accounts;
        uint256[] amounts;
    }

    /// @param wiring_ Token, registries, vault and votes.
    /// @param owner_ Owner of the parameters (the governance timelock once deployed).
    /// @param treasury_ Receiver of the protocol share.
    /// @param parameters_ Initial governance parameters.
    constructor(Wiring memory wiring_, address owner_, address treasury_, Parameters memory parameters_)
        Ownable(owner_)
        EIP712("PayableAI InferenceMarket", "1")
    {
        if (
            wiring_.token == address(0) || wiring_.datanetRegistry == address(0) || wiring_.modelRegistry == address(0)
                || wiring_.keeperRegistry == address(0) || wiring_.rewardVault == address(0)
                || wiring_.contributionVotes == address(0)
        ) revert MarketZeroAddress();
        _token = IERC20(wiring_.token);
        _datanets = IDatanetRegistry(wiring_.datanetRegistry);
        _models = IModelRegistry(wiring_.modelRegistry);
        _keepers = IKeeperRegistry(wiring_.keeperRegistry);
        _vault = IRewardVault(wiring_.rewardVault);
        _votes = IContributionVotes(wiring_.contributionVotes);
        _setTreasury(treasury_);
        _setChallengeWindow(parameters_.challengeWindow);
        _setRequestTimeout(parameters_.requestTimeout);
        _setMaxAttributions(parameters_.maxAttributions);
        _setFeeSplit(parameters_.protocolFeeBps, parameters_.executorFeeBps, parameters_.modelFeeBps);
        _setSchedule(parameters_.executorTurn, parameters_.reopenGrace, parameters_.maxReportedFeesBps);
        // The vault pulls what it credits; one standing allowance saves an approval per settlement.
        IERC20(wiring_.token).forceApprove(wiring_.rewardVault, type(uint256).max);
    }

    // ─── Requests ─────────────────────────────────────────────────────────────

    /// @inheritdoc IInferenceMarket
    function requestInference(uint256 modelId, bytes32 inputHash, string calldata inputURI, uint256 maxFee)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        return _request(modelId, inputHash, inputURI, maxFee);
    }

    /// @inheritdoc IInferenceMarket
    function requestInferenceWithPermit(
        uint256 modelId,
        bytes32 inputHash,
        string calldata inputURI,
        uint256 maxFee,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 requestId) {
        // A front-run permit fails here but leaves the allowance in place, so the request still succeeds.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), maxFee, permitDeadline, v, r, s) {} catch {}
        return _request(modelId, inputHash, inputURI, maxFee);
    }

    /// @inheritdoc IInferenceMarket
    function refund(uint256 requestId) external nonReentrant {
        Request storage request = _requestOf(requestId);
        if (request.status != RequestStatus.Open) revert MarketRequestNotOpen(requestId, request.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp <= request.deadline) revert MarketDeadlineNotReached(requestId, request.deadline);
        uint256 fee = request.fee;
        address requester = request.requester;
        request.status = RequestStatus.Refunded;
        totalEscrowed -= fee;
        emit RequestRefunded(requestId, requester, fee);
        if (fee != 0) _token.safeTransfer(requester, fee);
    }

    // ─── Reports ──────────────────────────────────────────────────────────────

    /// @inheritdoc IInferenceMarket
    function submitReport(AttributionReport calldata report, bytes[] calldata signatures)
        external
        nonReentrant
        returns (bytes32 digest)
    {
        uint256 requestId = report.requestId;
        Request storage request = _requestOf(requestId);
        if (request.status != RequestStatus.Open) revert MarketRequestNotOpen(requestId, request.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > request.deadline) revert MarketRequestExpired(requestId, request.deadline);
        if (report.round != request.round) revert MarketWrongRound(requestId, request.round, report.round);
        if (report.modelId != request.modelId) revert MarketModelMismatch(requestId, request.modelId, report.modelId);
        _checkExecutor(requestId, request.round, request.openedAt, report.executor);

        bool declined = report.outputHash == bytes32(0);
        if (declined && report.attributions.length != 0) {
            revert MarketDeclineWithAttributions(requestId, report.attributions.length);
        }
        // A decline only ever refunds the requester: there is nothing for the stake to secure, and counting it
        // would let a requester fill the capacity for free with requests every keeper declines.
        if (!declined) {
            uint256 fee = request.fee;
            uint256 capacity = _keepers.activeStake() * _parameters.maxReportedFeesBps / BPS;
            if (reportedFees + fee > capacity) revert MarketStakeCapacityExceeded(fee, reportedFees, capacity);
            reportedFees += fee;
        }
        digest = _hashTypedDataV4(report.hash());
        address[] memory signers = _verifyQuorum(digest, signatures, report.executor);
        _recordAttributions(requestId, report.modelId, report.attributions);

        uint64 challengeEndsAt = uint64(block.timestamp) + _parameters.challengeWindow;
        request.status = RequestStatus.Reported;
        request.executor = report.executor;
        request.challengeEndsAt = challengeEndsAt;
        request.declined = declined;
        request.reportDigest = digest;
        _signers[requestId] = signers;
        emit ReportSubmitted(requestId, digest, report.executor, report, signers, challengeEndsAt);
    }

    /// @inheritdoc IInferenceMarket
    function challenge(uint256 requestId, AttributionReport calldata conflictingReport, bytes[] calldata signatures)
        external
        nonReentrant
        returns (address[] memory slashedKeepers)
    {
        Request storage request = _requestOf(requestId);
        if (request.status != RequestStatus.Reported) revert MarketRequestNotReported(requestId, request.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= request.challengeEndsAt) {
            revert MarketChallengeWindowClosed(requestId, request.challengeEndsAt);
        }
        if (conflictingReport.requestId != requestId) {
            revert MarketReportRequestMismatch(requestId, conflictingReport.requestId);
        }
        uint16 round = request.round;
        if (conflictingReport.round != round) revert MarketWrongRound(requestId, round, conflictingReport.round);
        bytes32 conflictingDigest = _hashTypedDataV4(conflictingReport.hash());
        bytes32 voidedDigest = request.reportDigest;
        if (conflictingDigest == voidedDigest) revert MarketSameReport(requestId, conflictingDigest);

        bool rewardable;
        (slashedKeepers, rewardable) = _equivocators(requestId, conflictingDigest, signatures);
        // Neither the requester (who would be refunded after a late voiding) nor any signer of either report
        // (who would be paid for its own fault) earns the challenger's part.
        address rewarded = rewardable && msg.sender != request.requester ? msg.sender : address(0);
        address[] memory accepted = _signers[requestId];
        for (uint256 i; i < accepted.length; ++i) {
            if (accepted[i] == msg.sender) rewarded = address(0);
        }
        _void(requestId, request);
        emit ReportChallenged(requestId, msg.sender, voidedDigest, conflictingDigest, slashedKeepers);

        bytes32 evidence = keccak256(abi.encode(address(this), requestId, round));
        for (uint256 i; i < slashedKeepers.length; ++i) {
            _keepers.slashEquivocation(slashedKeepers[i], rewarded, evidence);
        }
    }

    /// @inheritdoc IInferenceMarket
    function markDisputed(uint256 requestId) external {
        if (msg.sender != court || court == address(0)) revert MarketCallerNotCourt(msg.sender);
        Request storage request = _requestOf(requestId);
        if (request.status != RequestStatus.Reported) revert MarketRequestNotReported(requestId, request.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= request.challengeEndsAt) {
            revert MarketChallengeWindowClosed(requestId, request.challengeEndsAt);
        }
        request.status = RequestStatus.Disputed;
        ++disputesOpen;
        emit ReportDisputed(requestId, request.reportDigest);
    }

    /// @inheritdoc IInferenceMarket
    function settleDispute(uint256 requestId, bool upheld) external nonReentrant {
        if (msg.sender != court || court == address(0)) revert MarketCallerNotCourt(msg.sender);
        Request storage request = _requestOf(requestId);
        if (request.status != RequestStatus.Disputed) revert MarketRequestNotDisputed(requestId, request.status);
        --disputesOpen;
        emit DisputeSettled(requestId, upheld);
        if (upheld) {
            _void(requestId, request);
        } else {
            request.status = RequestStatus.Reported;
            request.challengeEndsAt = uint64(block.timestamp);
        }
    }

    /// @inheritdoc IInferenceMarket
    function finalize(uint256[] calldata requestIds) external nonReentrant returns (uint256 finalized) {
        if (requestIds.length == 0) revert MarketEmptyBatch();
        for (uint256 i; i < requestIds.length; ++i) {
            if (_finalize(requestIds[i])) ++finalized;
        }
        // A batch that settles nothing is a mistake worth reporting, with the reason of its first id.
        if (finalized == 0) _revertNotFinalizable(requestIds[0]);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc IInferenceMarket
    function setChallengeWindow(uint64 challengeWindow_) external onlyOwner {
        _setChallengeWindow(challengeWindow_);
    }

    /// @inheritdoc IInferenceMarket
    function setRequestTimeout(uint64 requestTimeout) external onlyOwner {
        _setRequestTimeout(requestTimeout);
    }

    /// @inheritdoc IInferenceMarket
    function setMaxAttributions(uint16 maxAttributions) external onlyOwner {
        _setMaxAttributions(maxAttributions);
    }

    /// @inheritdoc IInferenceMarket
    function setFeeSplit(uint16 protocolFeeBps, uint16 executorFeeBps, uint16 modelFeeBps) external onlyOwner {
        _setFeeSplit(protocolFeeBps, executorFeeBps, modelFeeBps);
    }

    /// @inheritdoc IInferenceMarket
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IInferenceMarket
    function setSchedule(uint64 executorTurn, uint64 reopenGrace, uint32 maxReportedFeesBps) external onlyOwner {
        _setSchedule(executorTurn, reopenGrace, maxReportedFeesBps);
    }

    /// @inheritdoc IInferenceMarket
    function setCourt(address court_) external onlyOwner {
        if (disputesOpen != 0) revert MarketDisputesOpen(disputesOpen);
        court = court_;
        emit CourtSet(court_);
    }

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @inheritdoc IInferenceMarket
    function hashReport(AttributionReport calldata report) external view returns (bytes32) {
        return _hashTypedDataV4(report.hash());
    }

    /// @inheritdoc IInferenceMarket
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IInferenceMarket
    function getRequest(uint256 requestId) external view returns (Request memory) {
        return _requestOf(requestId);
    }

    /// @inheritdoc IInferenceMarket
    function scheduledExecutor(uint256 requestId)
        external
        view
        returns (address executor, uint256 turn, uint64 nextTurnAt)
    {
        Request storage request = _requestOf(requestId);
        uint64 openedAt = request.openedAt;
        turn = _turn(openedAt);
        executor = executorAt(requestId, request.round, turn);
        // The turn is at most the seconds since the round opened, far below 2^64.
        // forge-lint: disable-next-line(unsafe-typecast)
        nextTurnAt = openedAt + uint64(turn + 1) * _parameters.executorTurn;
    }

    /// @inheritdoc IInferenceMarket
    function executorAt(uint256 requestId, uint16 round, uint256 turn) public view returns (address) {
        return _keepers.selectExecutor(keccak256(abi.encode(requestId, round, turn)));
    }

    /// @inheritdoc IInferenceMarket
    function reportSigners(uint256 requestId) external view returns (address[] memory) {
        return _signers[requestId];
    }

    /// @inheritdoc IInferenceMarket
    function reportAttributions(uint256 requestId) external view returns (RecordedAttribution[] memory attributions) {
        uint256[] storage packed = _attributions[requestId];
        attributions = new RecordedAttribution[](packed.length);
        for (uint256 i; i < packed.length; ++i) {
            (address payee, uint256 contributionId,, uint16 weightBps) = _unpack(packed[i]);
            attributions[i] = RecordedAttribution(contributionId, weightBps, payee);
        }
    }

    /// @inheritdoc IInferenceMarket
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    /// @inheritdoc IInferenceMarket
    function challengeWindow() external view returns (uint64) {
        return _parameters.challengeWindow;
    }

    /// @inheritdoc IInferenceMarket
    function wiring() external view returns (Wiring memory) {
        return Wiring(
            address(_token), address(_datanets), address(_models), address(_keepers), address(_vault), address(_votes)
        );
    }

    // ─── Internal: requests and reports ───────────────────────────────────────

    function _request(uint256 modelId, bytes32 inputHash, string calldata inputURI, uint256 maxFee)
        internal
        returns (uint256 requestId)
    {
        if (inputHash == bytes32(0)) revert MarketZeroInputHash();
        if (!_models.isRequestable(modelId)) revert MarketModelNotRequestable(modelId);
        uint256 fee = _models.priceOf(modelId);
        if (fee > maxFee) revert MarketFeeAboveMax(fee, maxFee);

        requestId = ++requestCount;
        uint64 deadline = uint64(block.timestamp) + _parameters.requestTimeout;
        Request storage request = _requests[requestId];
        request.requester = msg.sender;
        request.deadline = deadline;
        request.status = RequestStatus.Open;
        request.modelId = modelId;
        request.fee = SafeCast.toUint128(fee);
        request.openedAt = uint64(block.timestamp);
        Parameters storage p = _parameters;
        (request.protocolFeeBps, request.executorFeeBps, request.modelFeeBps) =
        (p.protocolFeeBps, p.executorFeeBps, p.modelFeeBps);
        totalEscrowed += fee;
        emit InferenceRequested(requestId, msg.sender, modelId, inputHash, inputURI, fee, deadline);
        if (fee != 0) _token.safeTransferFrom(msg.sender, address(this), fee);
    }

    function _requestOf(uint256 requestId) internal view returns (Request storage request) {
        request = _requests[requestId];
        if (request.status == RequestStatus.None) revert MarketUnknownRequest(requestId);
    }

    /// @dev Turns of `executorTurn` seconds elapsed since a round opened at `openedAt`.
    function _turn(uint64 openedAt) internal view returns (uint256) {
        return (block.timestamp - openedAt) / _parameters.executorTurn;
    }

    /// @dev The executor must be scheduled for the current turn or, so that a report sent at the end of its turn
    /// still lands, the previous one.
    function _checkExecutor(uint256 requestId, uint16 round, uint64 openedAt, address executor) internal view {
        uint256 turn = _turn(openedAt);
        address scheduled = executorAt(requestId, round, turn);
        if (executor == scheduled) return;
        if (turn != 0 && executor == executorAt(requestId, round, turn - 1)) return;
        revert MarketNotScheduledExecutor(executor, scheduled);
    }

    /// @dev Recovers every signature, requiring strictly ascending signers (no repeats), each an active keeper,
    /// at least `quorum` of them holding at least the stake quorum, and the executor among them.
    function _verifyQuorum(bytes32 digest, bytes[] calldata signatures, address executor)
        internal
        view
        returns (address[] memory signers)
    {
        uint256 quorum = _keepers.quorum();
        if (signatures.length < quorum) revert MarketBelowQuorum(signatures.length, quorum);
        signers = new address[](signatures.length);
        bool executorSigned;
        address previous;
        uint256 signedStake;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = _recover(digest, signatures[i], i);
            if (signer <= previous) revert MarketSignersNotAscending(i, signer);
            uint256 stake = _keepers.activeStakeOf(signer);
            if (stake == 0) revert MarketInactiveKeeper(signer);
            signedStake += stake;
            if (signer == executor) executorSigned = true;
            signers[i] = signer;
            previous = signer;
        }
        if (!executorSigned) revert MarketExecutorNotSigner(executor);
        uint256 quorumStake = _keepers.quorumStake();
        if (signedStake < quorumStake) revert MarketBelowStakeQuorum(signedStake, quorumStake);
    }

    function _recordAttributions(uint256 requestId, uint256 modelId, Attribution[] calldata attributions) internal {
        uint256 max = _parameters.maxAttributions;
        if (attributions.length > max) revert MarketTooManyAttributions(attributions.length, max);
        uint256[] storage packed = _attributions[requestId];
        uint256 previous;
        uint256 sum;
        uint256 checkedDatanet;
        for (uint256 i; i < attributions.length; ++i) {
            (uint256 contributionId, uint16 weightBps) = (attributions[i].contributionId, attributions[i].weightBps);
            if (contributionId <= previous) revert MarketAttributionsNotAscending(i, contributionId);
            if (weightBps == 0) revert MarketZeroWeight(contributionId);
            sum += weightBps;
            (uint256 datanetId, address payee, IDatanetRegistry.ContributionStatus status) =
                _datanets.contributionPayout(contributionId);
            if (status != IDatanetRegistry.ContributionStatus.Accepted) {
                revert MarketContributionNotAccepted(contributionId, status);
            }
            // Attributions usually cluster in few datanets; ask the registry once per run of equal datanets.
            if (datanetId != checkedDatanet) {
                if (!_models.usesDatanet(modelId, datanetId)) {
                    revert MarketContributionNotInModel(contributionId, datanetId, modelId);
                }
                checkedDatanet = datanetId;
            }
            // Ids count up from 1 in the registry; these limits cannot be reached, but are checked.
            if (contributionId > type(uint48).max) revert MarketIdTooLarge(contributionId);
            if (datanetId > type(uint32).max) revert MarketIdTooLarge(datanetId);
            packed.push((uint256(uint160(payee)) << 96) | (contributionId << 48) | (datanetId << 16) | weightBps);
            previous = contributionId;
        }
        if (sum > BPS) revert MarketWeightsExceedTotal(sum);
    }

    /// @dev The conflicting report's signers that also signed the accepted report (both lists are ascending), and
    /// whether the caller is none of the conflicting report's signers.
    function _equivocators(uint256 requestId, bytes32 conflictingDigest, bytes[] calldata signatures)
        internal
        view
        returns (address[] memory equivocators, bool rewardable)
    {
        rewardable = true;
        address[] storage accepted = _signers[requestId];
        uint256 acceptedCount = accepted.length;
        equivocators = new address[](signatures.length);
        uint256 count;
        uint256 cursor;
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = _recover(conflictingDigest, signatures[i], i);
            if (signer <= previous) revert MarketSignersNotAscending(i, signer);
            if (signer == msg.sender) rewardable = false;
            previous = signer;
            while (cursor < acceptedCount && accepted[cursor] < signer) ++cursor;
            if (cursor < acceptedCount && accepted[cursor] == signer) equivocators[count++] = signer;
        }
        if (count == 0) revert MarketNoEquivocation(requestId);
        assembly ("memory-safe") {
            mstore(equivocators, count)
        }
    }

    /// @dev Voids the accepted report and opens the next round, reportable for at least `reopenGrace`, so that a
    /// late challenge cannot run the request out of time and refund a delivered answer.
    function _void(uint256 requestId, Request storage request) internal {
        if (!request.declined) reportedFees -= request.fee;
        uint16 round = request.round + 1;
        uint64 deadline = request.deadline;
        uint64 graceEnd = uint64(block.timestamp) + _parameters.reopenGrace;
        if (deadline < graceEnd) deadline = graceEnd;
        request.status = RequestStatus.Open;
        request.round = round;
        request.deadline = deadline;
        request.openedAt = uint64(block.timestamp);
        request.executor = address(0);
        request.challengeEndsAt = 0;
        request.declined = false;
        request.reportDigest = bytes32(0);
        delete _signers[requestId];
        delete _attributions[requestId];
        emit RequestReopened(requestId, round, deadline);
    }

    function _recover(bytes32 digest, bytes calldata signature, uint256 index) internal pure returns (address) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signature);
        if (error != ECDSA.RecoverError.NoError) revert MarketInvalidSignature(index);
        return signer;
    }

    // ─── Internal: settlement ─────────────────────────────────────────────────

    /// @dev Settles one request, or emits `FinalizeSkipped` and returns false when it cannot be finalized now.
    function _finalize(uint256 requestId) internal returns (bool) {
        Request storage request = _requests[requestId];
        (RequestStatus status, uint64 challengeEndsAt) = (request.status, request.challengeEndsAt);
        // forge-lint: disable-next-line(block-timestamp)
        if (status != RequestStatus.Reported || block.timestamp < challengeEndsAt) {
            emit FinalizeSkipped(requestId, status, challengeEndsAt);
            return false;
        }
        uint256 fee = request.fee;
        totalEscrowed -= fee;
        if (request.declined) {
            address requester = request.requester;
            request.status = RequestStatus.Refunded;
            emit RequestRefunded(requestId, requester, fee);
            if (fee != 0) _token.safeTransfer(requester, fee);
            return true;
        }
        reportedFees -= fee;
        request.status = RequestStatus.Finalized;

        Split memory split = _split(requestId, request);
        emit RequestFinalized(
            requestId,
            split.modelId,
            request.executor,
            split.fee,
            split.treasuryAmount,
            split.executorAmount,
            split.modelAmount,
            split.attributedAmount,
            split.unattributedAmount
        );

        address[] memory accounts = split.accounts;
        uint256[] memory amounts = split.amounts;
        uint256 count = split.count;
        // Datanets without an owner leave unused slots at the end; trim them.
        assembly ("memory-safe") {
            mstore(accounts, count)
            mstore(amounts, count)
        }
        _vault.credit(accounts, amounts);
        // Votes are minted for what model owners and contributors earned, scaled so that a request mints at most
        // its protocol share: OPEN that left the payer for good. Paying one's own model returns everything else,
        // so a vote never costs less than one OPEN lost.
        uint256 votesPerBps = request.protocolFeeBps;
        uint256 earnedBps = BPS - request.protocolFeeBps - request.executorFeeBps;
        for (uint256 i; i < split.votesCount; ++i) {
            uint256 votes = amounts[i] * votesPerBps / earnedBps;
            if (votes == 0) continue;
            try _votes.mint(accounts[i], votes) {}
            catch {
                emit VotesMintFailed(accounts[i], votes);
            }
        }
        return true;
    }

    function _revertNotFinalizable(uint256 requestId) internal view {
        Request storage request = _requestOf(requestId);
        if (request.status != RequestStatus.Reported) revert MarketRequestNotReported(requestId, request.status);
        revert MarketChallengeWindowOpen(requestId, request.challengeEndsAt);
    }

    /// @dev Computes the credits of one request with the split in force when it was made: model owners and
    /// contributors first (they earn votes), then datanet owners, the executor and last the treasury, which
    /// takes every remainder.
    function _split(uint256 requestId, Request storage request) internal returns (Split memory split) {
        split.requestId = requestId;
        split.modelId = request.modelId;
        split.fee = request.fee;
        (uint256 protocolBps, uint256 executorBps, uint256 modelBps) =
            (request.protocolFeeBps, request.executorFeeBps, request.modelFeeBps);
        split.executorAmount = split.fee * executorBps / BPS;
        split.modelShare = split.fee * modelBps / BPS;
        split.dataShare = split.fee * (BPS - protocolBps - executorBps - modelBps) / BPS;

        (address[] memory recipients, uint256[] memory weights) = _revenueShares(split.modelId);
        uint256[] memory records = _attributions[requestId];
        uint256 attributedBps;
        for (uint256 i; i < records.length; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            attributedBps += uint16(records[i]);
        }

        split.accounts = new address[](recipients.length + 2 * records.length + 2);
        split.amounts = new uint256[](split.accounts.length);
        _payModelOwners(split, recipients, weights);
        _payContributors(split, records);
        split.votesCount = split.count;
        _payDatanetOwners(split, records, attributedBps);
        _push(split, request.executor, split.executorAmount);
        split.treasuryAmount =
            split.fee - split.executorAmount - split.modelAmount - split.attributedAmount - split.unattributedAmount;
        _push(split, treasury, split.treasuryAmount);
    }

    function _payModelOwners(Split memory split, address[] memory recipients, uint256[] memory weights) internal {
        for (uint256 i; i < recipients.length; ++i) {
            uint256 amount = split.modelShare * weights[i] / BPS;
            split.modelAmount += amount;
            _push(split, recipients[i], amount);
            emit ModelRevenuePaid(split.requestId, split.modelId, recipients[i], amount);
        }
    }

    function _payContributors(Split memory split, uint256[] memory records) internal {
        for (uint256 i; i < records.length; ++i) {
            (address payee, uint256 contributionId,, uint16 weightBps) = _unpack(records[i]);
            uint256 amount = split.dataShare * weightBps / BPS;
            split.attributedAmount += amount;
            _push(split, payee, amount);
            emit AttributionPaid(split.requestId, contributionId, payee, amount);
        }
    }

    /// @dev The unattributed data share goes to the owners of the datanets the answer drew on, by attributed
    /// weight; with nothing attributed it stays with the treasury, so declaring extra datanets earns nothing.
    function _payDatanetOwners(Split memory split, uint256[] memory records, uint256 attributedBps) internal {
        if (attributedBps == 0 || attributedBps == BPS) return;
        uint256 unattributed = split.dataShare * (BPS - attributedBps) / BPS;
        uint256[] memory datanetIds = new uint256[](records.length);
        uint256[] memory datanetBps = new uint256[](records.length);
        uint256 distinct;
        for (uint256 i; i < records.length; ++i) {
            (,, uint256 datanetId, uint16 weightBps) = _unpack(records[i]);
            uint256 j;
            while (j < distinct && datanetIds[j] != datanetId) ++j;
            if (j == distinct) datanetIds[distinct++] = datanetId;
            datanetBps[j] += weightBps;
        }
        for (uint256 j; j < distinct; ++j) {
            address owner_ = _datanetOwner(datanetIds[j]);
            if (owner_ == address(0)) continue;
            uint256 amount = unattributed * datanetBps[j] / attributedBps;
            split.unattributedAmount += amount;
            _push(split, owner_, amount);
            emit DatanetRemainderPaid(split.requestId, datanetIds[j], owner_, amount);
        }
    }

    function _push(Split memory split, address account, uint256 amount) internal pure {
        split.accounts[split.count] = account;
        split.amounts[split.count] = amount;
        ++split.count;
    }

    /// @dev Settlement must not be blocked by a registry read: a failing or malformed answer sends the share to
    /// the treasury instead.
    function _revenueShares(uint256 modelId)
        internal
        view
        returns (address[] memory recipients, uint256[] memory weights)
    {
        try _models.revenueShares(modelId) returns (address[] memory r, uint256[] memory w) {
            if (r.length != w.length) return (recipients, weights);
            uint256 sum;
            for (uint256 i; i < r.length; ++i) {
                if (r[i] == address(0)) return (recipients, weights);
                sum += w[i];
            }
            if (sum > BPS) return (recipients, weights);
            return (r, w);
        } catch {
            return (recipients, weights);
        }
    }

    function _datanetOwner(uint256 datanetId) internal view returns (address owner_) {
        try _datanets.datanetOwner(datanetId) returns (address result) {
            owner_ = result;
        } catch {}
    }

    function _unpack(uint256 packed)
        internal
        pure
        returns (address payee, uint256 contributionId, uint256 datanetId, uint16 weightBps)
    {
        // Truncation is the point: each cast selects one field of the packed slot.
        // forge-lint: disable-next-line(unsafe-typecast)
        payee = address(uint160(packed >> 96));
        // forge-lint: disable-next-line(unsafe-typecast)
        contributionId = uint48(packed >> 48);
        // forge-lint: disable-next-line(unsafe-typecast)
        datanetId = uint32(packed >> 16);
        // forge-lint: disable-next-line(unsafe-typecast)
        weightBps = uint16(packed);
    }

    // ─── Internal: parameters ─────────────────────────────────────────────────

    function _setChallengeWindow(uint64 challengeWindow_) internal {
        uint64 unbondingDelay = _keepers.unbondingDelay();
        if (
            challengeWindow_ < MIN_CHALLENGE_WINDOW || challengeWindow_ > MAX_CHALLENGE_WINDOW
                || challengeWindow_ >= unbondingDelay
        ) revert MarketChallengeWindowOutOfBounds(challengeWindow_, unbondingDelay);
        _parameters.challengeWindow = challengeWindow_;
        emit ChallengeWindowSet(challengeWindow_);
    }

    function _setRequestTimeout(uint64 requestTimeout) internal {
        if (requestTimeout < MIN_REQUEST_TIMEOUT || requestTimeout > MAX_REQUEST_TIMEOUT) {
            revert MarketRequestTimeoutOutOfBounds(requestTimeout);
        }
        _parameters.requestTimeout = requestTimeout;
        emit RequestTimeoutSet(requestTimeout);
    }

    function _setMaxAttributions(uint16 maxAttributions) internal {
        if (maxAttributions == 0 || maxAttributions > MAX_ATTRIBUTIONS_LIMIT) {
            revert MarketMaxAttributionsOutOfBounds(maxAttributions);
        }
        _parameters.maxAttributions = maxAttributions;
        emit MaxAttributionsSet(maxAttributions);
    }

    function _setFeeSplit(uint16 protocolFeeBps, uint16 executorFeeBps, uint16 modelFeeBps) internal {
        if (
            protocolFeeBps > MAX_PROTOCOL_FEE_BPS || executorFeeBps > MAX_EXECUTOR_FEE_BPS
                || modelFeeBps > MAX_MODEL_FEE_BPS
                || uint256(protocolFeeBps) + executorFeeBps + modelFeeBps > BPS - MIN_DATA_FEE_BPS
        ) revert MarketFeeSplitOutOfBounds(protocolFeeBps, executorFeeBps, modelFeeBps);
        _parameters.protocolFeeBps = protocolFeeBps;
        _parameters.executorFeeBps = executorFeeBps;
        _parameters.modelFeeBps = modelFeeBps;
        emit FeeSplitSet(
            protocolFeeBps, executorFeeBps, modelFeeBps, BPS - protocolFeeBps - executorFeeBps - modelFeeBps
        );
    }

    function _setSchedule(uint64 executorTurn, uint64 reopenGrace, uint32 maxReportedFeesBps) internal {
        if (
            executorTurn < MIN_EXECUTOR_TURN || executorTurn > MAX_EXECUTOR_TURN || reopenGrace < MIN_REQUEST_TIMEOUT
                || reopenGrace > MAX_REQUEST_TIMEOUT || maxReportedFeesBps == 0
        ) revert MarketScheduleOutOfBounds(executorTurn, reopenGrace, maxReportedFeesBps);
        _parameters.executorTurn = executorTurn;
        _parameters.reopenGrace = reopenGrace;
        _parameters.maxReportedFeesBps = maxReportedFeesBps;
        emit ScheduleSet(executorTurn, reopenGrace, maxReportedFeesBps);
    }

    function _setTreasury(address treasury_) internal {
        if (treasury_ == address(0)) revert MarketZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }
}
