// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../contracts/ContributionVotes.sol";
import {DatanetRegistry} from "../../contracts/DatanetRegistry.sol";
import {InferenceMarket} from "../../contracts/InferenceMarket.sol";
import {KeeperRegistry} from "../../contracts/KeeperRegistry.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {OpenToken} from "../../contracts/OpenToken.sol";
import {RewardVault} from "../../contracts/RewardVault.sol";
import {IInferenceMarket} from "../../contracts/interfaces/IInferenceMarket.sol";

/// @notice Drives the market with random but well-formed requests, reports, challenges, finalizations, refunds,
/// claims, keeper stake moves, payee changes and governance parameter changes. It tracks every request and every
/// account's expected credit and votes on its own (ghosts computed from the documented rules, never read back from
/// the market's storage), and counts every action the market refused although it should have succeeded, or
/// accepted although it should have refused.
contract InferenceMarketHandler is Test {
    uint256 internal constant BPS = 10_000;

    struct Deployment {
        OpenToken open;
        InferenceMarket market;
        KeeperRegistry keepers;
        RewardVault vault;
        ContributionVotes votes;
        DatanetRegistry datanets;
        ModelRegistry models;
        address governance;
        address treasury;
    }

    /// @param models Requestable models.
    /// @param contributions Accepted contributions, ascending.
    /// @param datanetIds Every datanet of the contributions.
    /// @param keeperAddrs Keepers, ascending; `keeperKeys[i]` signs for `keeperAddrs[i]`.
    /// @param contributor Who contributed, and may change the payees.
    /// @param payeePool Addresses the contributions' payees are switched among (the contributor too).
    /// @param accounts Every account whose credits and votes are checked (requesters and challenger are added).
    struct Cast {
        uint256[] models;
        uint256[] contributions;
        uint256[] datanetIds;
        address[] keeperAddrs;
        uint256[] keeperKeys;
        address contributor;
        address[] payeePool;
        address[] accounts;
    }

    /// @notice What a request should look like, tracked from the handler's own actions.
    struct GhostRequest {
        address requester;
        IInferenceMarket.RequestStatus status;
        uint16 round;
        uint16 protocolFeeBps;
        uint16 executorFeeBps;
        uint16 modelFeeBps;
        bool declined;
        uint64 deadline;
        uint64 openedAt;
        uint64 challengeEndsAt;
        address executor;
        uint256 modelId;
        uint256 fee;
    }

    /// @notice An accepted attribution with the datanet and payee of its contribution at acceptance.
    struct GhostAttribution {
        uint256 contributionId;
        uint256 datanetId;
        uint16 weightBps;
        address payee;
    }

    /// @notice Market actions the handler built correctly and the market wrongly refused or wrongly accepted.
    struct Failures {
        uint256 requestsRefused;
        uint256 reportsRefused;
        uint256 challengesRefused;
        uint256 finalizesRefused;
        uint256 refundsRefused;
        uint256 overCapacityAccepted;
        uint256 unscheduledAccepted;
        uint256 earlyRefundsAccepted;
        uint256 earlyFinalizesAccepted;
        uint256 capacityBreaches;
        uint256 reopenMismatches;
        uint256 slashMismatches;
        uint256 splitMismatches;
    }

    OpenToken internal immutable open;
    InferenceMarket internal immutable market;
    KeeperRegistry internal immutable keepers;
    RewardVault internal immutable vault;
    DatanetRegistry internal immutable datanets;
    ModelRegistry internal immutable models;
    address internal immutable governance;
    address internal immutable treasury;
    address internal immutable contributor;
    address public immutable challenger = makeAddr("challenger");
    uint64 internal immutable challengeWindow;
    uint64 internal immutable requestTimeout;

    uint256[] internal modelIds;
    uint256[] internal contributions;
    uint256[] internal datanetIds;
    address[] internal keeperAddrs;
    mapping(address keeper => uint256 key) internal keyOf;
    mapping(uint256 contributionId => uint256 datanetId) internal datanetOf;
    address[] internal payeePool;
    address[] public requesters;
    /// @dev Every account the market can credit, and some it never should.
    address[] public accounts;

    // Governance parameters as the handler set them.
    uint16 public ghostProtocolFeeBps;
    uint16 public ghostExecutorFeeBps;
    uint16 public ghostModelFeeBps;
    uint64 public ghostExecutorTurn;
    uint64 public ghostReopenGrace;
    uint32 public ghostMaxReportedFeesBps;
    uint16 internal ghostEquivocationSlashBps;
    uint16 internal ghostChallengerRewardBps;

    uint256 public ghostRequestCount;
    mapping(uint256 requestId => GhostRequest) internal _ghostRequests;
    mapping(uint256 requestId => GhostAttribution[]) internal _ghostAttributions;
    mapping(uint256 requestId => address[]) internal _ghostSigners;
    uint256 public ghostReportedFees;

    Failures internal _failures;
    uint256 public ghostFinalizedFees;
    uint256 public ghostRefundedFees;
    uint256 public ghostDeclinesFinalized;
    uint256 public ghostFinalized;
    uint256 public ghostChallenges;
    uint256 public ghostSplitChanges;
    uint256 public ghostRemaindersSplit;
    mapping(address account => uint256) public ghostClaimed;
    mapping(address account => uint256) public ghostExpectedCredit;
    mapping(address account => uint256) public ghostExpectedVotes;
    mapping(address requester => uint256) public ghostRequesterBalance;

    constructor(Deployment memory d, Cast memory cast) {
        (open, market, keepers, vault, datanets, models) = (d.open, d.market, d.keepers, d.vault, d.datanets, d.models);
        (governance, treasury, contributor) = (d.governance, d.treasury, cast.contributor);
        IInferenceMarket.Parameters memory p = d.market.parameters();
        (challengeWindow, requestTimeout) = (p.challengeWindow, p.requestTimeout);
        (ghostProtocolFeeBps, ghostExecutorFeeBps, ghostModelFeeBps) =
        (p.protocolFeeBps, p.executorFeeBps, p.modelFeeBps);
        (ghostExecutorTurn, ghostReopenGrace, ghostMaxReportedFeesBps) =
        (p.executorTurn, p.reopenGrace, p.maxReportedFeesBps);
        (ghostEquivocationSlashBps, ghostChallengerRewardBps) =
        (d.keepers.equivocationSlashBps(), d.keepers.challengerRewardBps());

        (modelIds, contributions, datanetIds) = (cast.models, cast.contributions, cast.datanetIds);
        for (uint256 i; i < cast.contributions.length; ++i) {
            (datanetOf[cast.contributions[i]],,) = d.datanets.contributionPayout(cast.contributions[i]);
        }
        keeperAddrs = cast.keeperAddrs;
        for (uint256 i; i < cast.keeperAddrs.length; ++i) {
            keyOf[cast.keeperAddrs[i]] = cast.keeperKeys[i];
        }
        payeePool = cast.payeePool;
        accounts = cast.accounts;
        for (uint256 i; i < 3; ++i) {
            requesters.push(makeAddr(string.concat("requester", vm.toString(i))));
            accounts.push(requesters[i]);
        }
        accounts.push(challenger);
    }

    // ─── Views for the invariants ─────────────────────────────────────────────

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function requesterCount() external view returns (uint256) {
        return requesters.length;
    }

    function ghostRequest(uint256 requestId) external view returns (GhostRequest memory) {
        return _ghostRequests[requestId];
    }

    function failures() external view returns (Failures memory) {
        return _failures;
    }

    // ─── Market actions ───────────────────────────────────────────────────────

    function request(uint256 requesterSeed, uint256 modelSeed) external {
        _request(requesterSeed, modelSeed);
    }

    function _request(uint256 requesterSeed, uint256 modelSeed) internal returns (uint256 requestId) {
        address requester = requesters[requesterSeed % requesters.length];
        uint256 modelId = modelIds[modelSeed % modelIds.length];
        uint256 fee = models.priceOf(modelId);
        deal(address(open), requester, open.balanceOf(requester) + 1000 ether);
        ghostRequesterBalance[requester] += 1000 ether;
        vm.startPrank(requester);
        open.approve(address(market), type(uint256).max);
        try market.requestInference(modelId, keccak256(abi.encode(requesterSeed)), "blob://input", fee) returns (
            uint256 id
        ) {
            vm.stopPrank();
            requestId = id;
            ++ghostRequestCount;
            _ghostRequests[requestId] = GhostRequest({
                requester: requester,
                status: IInferenceMarket.RequestStatus.Open,
                round: 0,
                protocolFeeBps: ghostProtocolFeeBps,
                executorFeeBps: ghostExecutorFeeBps,
                modelFeeBps: ghostModelFeeBps,
                declined: false,
                deadline: uint64(block.timestamp) + requestTimeout,
                openedAt: uint64(block.timestamp),
                challengeEndsAt: 0,
                executor: address(0),
                modelId: modelId,
                fee: fee
            });
            ghostRequesterBalance[requester] -= fee;
        } catch {
            vm.stopPrank();
            ++_failures.requestsRefused;
        }
    }

    /// @dev Builds a valid report (scheduled executor, quorum-signed, attributions in the model's datanets) for an
    /// open request (made first when none is reportable) and expects the market to accept it exactly when the
    /// settlement capacity allows; one attempt in sixteen names an active keeper the schedule does not, which must
    /// be refused.
    function submitReport(uint256 requestSeed, uint256 attributionSeed, uint256 signerSeed) external {
        uint256 requestId = _findReportable(requestSeed);
        if (requestId == 0) requestId = _request(requestSeed, attributionSeed >> 32);
        if (requestId == 0) return;
        GhostRequest storage g = _ghostRequests[requestId];
        (address executor, address scheduled, address unscheduled) = _executors(requestId, g.openedAt, signerSeed);
        if (attributionSeed % 16 == 15 && unscheduled != address(0)) {
            _submitUnscheduled(requestId, attributionSeed, signerSeed, unscheduled, scheduled);
            return;
        }
        if (executor == address(0)) return;
        address[] memory signers = _pickSigners(signerSeed, executor);
        if (signers.length == 0) return;
        IInferenceMarket.AttributionReport memory report = _report(requestId, attributionSeed, executor);
        uint256 capacity = keepers.activeStake() * ghostMaxReportedFeesBps / BPS;
        // A decline secures nothing and does not count against the capacity.
        bool fits = report.outputHash == bytes32(0) || ghostReportedFees + g.fee <= capacity;
        try market.submitReport(report, _sign(report, signers)) {
            if (!fits) ++_failures.overCapacityAccepted;
            _recordReport(requestId, report, signers);
            // The capacity is checked when a report is accepted: the fees awaiting settlement fit in it then.
            bool overCapacity = report.outputHash != bytes32(0) && market.reportedFees() > capacity;
            if (overCapacity || market.reportedFees() != ghostReportedFees) {
                ++_failures.capacityBreaches;
            }
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(
                IInferenceMarket.MarketStakeCapacityExceeded.selector, g.fee, ghostReportedFees, capacity
            );
            if (fits || keccak256(reason) != keccak256(expected)) ++_failures.reportsRefused;
        }
    }

    /// @dev Proves equivocation with a random subset of the accepted signers (and possibly keepers that did not
    /// sign it, who are not slashed), then checks the slashes, the challenger's reward and the reopened round.
    function challenge(uint256 requestSeed, uint256 signerSeed) external {
        uint256 requestId = _findGhost(requestSeed, IInferenceMarket.RequestStatus.Reported);
        if (requestId == 0) return;
        GhostRequest storage g = _ghostRequests[requestId];
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= g.challengeEndsAt) return;
        (address[] memory signers, bool[] memory slashed) = _conflictingSigners(requestId, signerSeed);
        IInferenceMarket.AttributionReport memory conflicting = _conflicting(requestId, g, signerSeed, signers[0]);
        uint256[] memory stakesBefore = _stakes();
        uint256 challengerBefore = open.balanceOf(challenger);
        uint256 treasuryBefore = open.balanceOf(treasury);
        bytes[] memory signatures = _sign(conflicting, signers);
        vm.prank(challenger);
        try market.challenge(requestId, conflicting, signatures) {
            ++ghostChallenges;
            _checkSlashes(signers, slashed, stakesBefore, challengerBefore, treasuryBefore);
            _checkReopened(requestId);
        } catch {
            ++_failures.challengesRefused;
        }
    }

    /// @dev Finalizes up to a few matured reports in one batch, with a repeat, an unknown id and a report still in
    /// its window that the market must skip, and books the expected credit of every account.
    function finalize(uint256 requestSeed, uint256 batchSeed) external {
        uint256 count = ghostRequestCount;
        if (count == 0) return;
        _warpToFirstMaturity();
        uint256[] memory ids = new uint256[](bound(batchSeed, 1, 4) + 3);
        uint256 found;
        uint256 inWindow;
        for (uint256 i; i < count && found < ids.length - 3; ++i) {
            uint256 requestId = (requestSeed % count + i) % count + 1;
            GhostRequest storage g = _ghostRequests[requestId];
            if (g.status != IInferenceMarket.RequestStatus.Reported) continue;
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp < g.challengeEndsAt) inWindow = requestId;
            else ids[found++] = requestId;
        }
        if (found == 0) return;
        ids[found] = ids[0];
        ids[found + 1] = count + 1;
        ids[found + 2] = inWindow == 0 ? count + 2 : inWindow;
        assembly ("memory-safe") {
            mstore(ids, add(found, 3))
        }
        uint256 outstandingBefore = vault.totalOutstanding();
        try market.finalize(ids) returns (uint256 finalized) {
            if (finalized != found) ++_failures.splitMismatches;
        } catch {
            ++_failures.finalizesRefused;
            return;
        }
        if (inWindow != 0 && market.getRequest(inWindow).status != IInferenceMarket.RequestStatus.Reported) {
            ++_failures.earlyFinalizesAccepted;
        }
        uint256 fees;
        for (uint256 i; i < found; ++i) {
            fees += _settle(ids[i]);
        }
        // With no claim in between, the vault must have been credited exactly the fees.
        if (vault.totalOutstanding() - outstandingBefore != fees) ++_failures.splitMismatches;
        ghostFinalizedFees += fees;
        ghostFinalized += found;
    }

    /// @dev Refunds an open request: it must succeed past the deadline and revert before it.
    function refund(uint256 requestSeed) external {
        uint256 requestId = _findGhost(requestSeed, IInferenceMarket.RequestStatus.Open);
        if (requestId == 0) return;
        GhostRequest storage g = _ghostRequests[requestId];
        // forge-lint: disable-next-line(block-timestamp)
        bool due = block.timestamp > g.deadline;
        try market.refund(requestId) {
            if (!due) ++_failures.earlyRefundsAccepted;
            g.status = IInferenceMarket.RequestStatus.Refunded;
            ghostRequesterBalance[g.requester] += g.fee;
            ghostRefundedFees += g.fee;
        } catch {
            if (due) ++_failures.refundsRefused;
        }
    }

    function claim(uint256 accountSeed) external {
        address account = accounts[accountSeed % accounts.length];
        if (vault.balanceOf(account) == 0) return;
        vm.prank(account);
        ghostClaimed[account] += vault.claim(account);
    }

    /// @dev Moves a contribution's payee; reports accepted before keep paying the payee recorded then.
    function setPayee(uint256 contributionSeed, uint256 payeeSeed) external {
        uint256 contributionId = contributions[contributionSeed % contributions.length];
        uint256 index = payeeSeed % (payeePool.length + 1);
        address payee = index == payeePool.length ? contributor : payeePool[index];
        vm.prank(contributor);
        datanets.setPayee(contributionId, payee);
    }

    // ─── Keeper actions ───────────────────────────────────────────────────────

    function unbond(uint256 keeperSeed) external {
        address keeper = keeperAddrs[keeperSeed % keeperAddrs.length];
        (uint256 staked, uint64 unbondingEndsAt) = keepers.keeperInfo(keeper);
        if (staked == 0 || unbondingEndsAt != 0) return;
        vm.prank(keeper);
        keepers.requestUnbond();
    }

    function withdraw(uint256 keeperSeed) external {
        address keeper = keeperAddrs[keeperSeed % keeperAddrs.length];
        (, uint64 unbondingEndsAt) = keepers.keeperInfo(keeper);
        // forge-lint: disable-next-line(block-timestamp)
        if (unbondingEndsAt == 0 || block.timestamp < unbondingEndsAt) return;
        vm.prank(keeper);
        keepers.withdraw();
    }

    function stake(uint256 keeperSeed, uint256 amount) external {
        address keeper = keeperAddrs[keeperSeed % keeperAddrs.length];
        (uint256 current, uint64 unbondingEndsAt) = keepers.keeperInfo(keeper);
        if (unbondingEndsAt != 0) return;
        // Whoever is not active (a first stake, or one below the minimum after a slash) must reach the minimum.
        uint256 floor = current >= keepers.minStake() ? 1 : keepers.minStake() - current;
        amount = bound(amount, floor, floor + 5000 ether);
        deal(address(open), keeper, open.balanceOf(keeper) + amount);
        vm.startPrank(keeper);
        open.approve(address(keepers), amount);
        keepers.stake(amount);
        vm.stopPrank();
    }

    // ─── Governance actions ───────────────────────────────────────────────────

    /// @dev A new split within the market's caps; requests already made keep theirs.
    function setFeeSplit(uint256 protocolSeed, uint256 executorSeed, uint256 modelSeed) external {
        uint16 protocolFeeBps = uint16(bound(protocolSeed, 0, 2000));
        uint16 executorFeeBps = uint16(bound(executorSeed, 0, 3000));
        uint16 modelFeeBps = uint16(bound(modelSeed, 0, _min(8000, 9000 - protocolFeeBps - executorFeeBps)));
        vm.prank(governance);
        market.setFeeSplit(protocolFeeBps, executorFeeBps, modelFeeBps);
        (ghostProtocolFeeBps, ghostExecutorFeeBps, ghostModelFeeBps) = (protocolFeeBps, executorFeeBps, modelFeeBps);
        ++ghostSplitChanges;
    }

    /// @dev Distinct equivocation and dispute fractions, so a slash taking the wrong one shows.
    function setSlashParameters(uint256 equivocationSeed, uint256 disputeSeed, uint256 rewardSeed) external {
        uint16 equivocationSlashBps = uint16(bound(equivocationSeed, 1, 10_000));
        uint16 disputeSlashBps = uint16(bound(disputeSeed, 1, 9999));
        if (disputeSlashBps >= equivocationSlashBps) ++disputeSlashBps;
        uint16 challengerRewardBps = uint16(bound(rewardSeed, 0, 10_000));
        vm.prank(governance);
        keepers.setSlashParameters(equivocationSlashBps, disputeSlashBps, challengerRewardBps);
        (ghostEquivocationSlashBps, ghostChallengerRewardBps) = (equivocationSlashBps, challengerRewardBps);
    }

    function setQuorum(uint256 quorumSeed, uint256 stakeSeed) external {
        vm.startPrank(governance);
        keepers.setQuorum(bound(quorumSeed, 1, keeperAddrs.length));
        keepers.setQuorumStakeBps(uint16(bound(stakeSeed, 5001, 10_000)));
        vm.stopPrank();
    }

    /// @dev A new executor turn, reopen grace and settlement capacity (from 0.1% to 8x the bonded stake, spread
    /// over powers of two so that low capacities that refuse reports come up often).
    function setSchedule(uint256 turnSeed, uint256 graceSeed, uint256 capacitySeed) external {
        uint64 executorTurn = uint64(bound(turnSeed, 5 seconds, 2 hours));
        uint64 reopenGrace = uint64(bound(graceSeed, 30 seconds, 3 days));
        uint32 maxReportedFeesBps = uint32(10 * 2 ** (capacitySeed % 14));
        vm.prank(governance);
        market.setSchedule(executorTurn, reopenGrace, maxReportedFeesBps);
        (ghostExecutorTurn, ghostReopenGrace, ghostMaxReportedFeesBps) = (executorTurn, reopenGrace, maxReportedFeesBps);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
    }

    // ─── Internal: reports ────────────────────────────────────────────────────

    function _findGhost(uint256 seed, IInferenceMarket.RequestStatus status) internal view returns (uint256) {
        uint256 count = ghostRequestCount;
        for (uint256 i; i < count; ++i) {
            uint256 requestId = (seed % count + i) % count + 1;
            if (_ghostRequests[requestId].status == status) return requestId;
        }
        return 0;
    }

    function _findReportable(uint256 seed) internal view returns (uint256) {
        uint256 count = ghostRequestCount;
        for (uint256 i; i < count; ++i) {
            uint256 requestId = (seed % count + i) % count + 1;
            GhostRequest storage g = _ghostRequests[requestId];
            // forge-lint: disable-next-line(block-timestamp)
            if (g.status == IInferenceMarket.RequestStatus.Open && block.timestamp <= g.deadline) return requestId;
        }
        return 0;
    }

    /// @dev When no report has matured yet, moves time to the end of the first challenge window.
    function _warpToFirstMaturity() internal {
        uint64 first = type(uint64).max;
        for (uint256 id = 1; id <= ghostRequestCount; ++id) {
            GhostRequest storage g = _ghostRequests[id];
            if (g.status != IInferenceMarket.RequestStatus.Reported) continue;
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp >= g.challengeEndsAt) return;
            if (g.challengeEndsAt < first) first = g.challengeEndsAt;
        }
        if (first != type(uint64).max) vm.warp(first);
    }

    /// @dev The schedule computed from the registry's bonded set: `scheduled` is bonded keeper
    /// `(requestId + turn) mod n`; `executor` an active keeper of this turn or the previous one (zero when none);
    /// `unscheduled` an active keeper of neither (zero when none).
    function _executors(uint256 requestId, uint64 openedAt, uint256 seed)
        internal
        view
        returns (address executor, address scheduled, address unscheduled)
    {
        address[] memory bonded = keepers.activeKeepers();
        if (bonded.length == 0) return (address(0), address(0), address(0));
        uint256 turn = (block.timestamp - openedAt) / ghostExecutorTurn;
        uint16 round = _ghostRequests[requestId].round;
        scheduled = market.executorAt(requestId, round, turn);
        address previous = turn == 0 ? address(0) : market.executorAt(requestId, round, turn - 1);
        bool previousActive = previous != address(0) && keepers.isActive(previous);
        if (previousActive && (seed >> 128) & 1 == 1) executor = previous;
        else if (keepers.isActive(scheduled)) executor = scheduled;
        else if (previousActive) executor = previous;
        for (uint256 i; i < bonded.length; ++i) {
            if (bonded[i] != scheduled && bonded[i] != previous && keepers.isActive(bonded[i])) {
                unscheduled = bonded[i];
            }
        }
    }

    function _submitUnscheduled(
        uint256 requestId,
        uint256 attributionSeed,
        uint256 signerSeed,
        address executor,
        address scheduled
    ) internal {
        address[] memory signers = _pickSigners(signerSeed, executor);
        if (signers.length == 0) return;
        IInferenceMarket.AttributionReport memory report = _report(requestId, attributionSeed, executor);
        try market.submitReport(report, _sign(report, signers)) {
            ++_failures.unscheduledAccepted;
            _recordReport(requestId, report, signers);
        } catch (bytes memory reason) {
            bytes memory expected =
                abi.encodeWithSelector(IInferenceMarket.MarketNotScheduledExecutor.selector, executor, scheduled);
            if (keccak256(reason) != keccak256(expected)) ++_failures.reportsRefused;
        }
    }

    function _recordReport(
        uint256 requestId,
        IInferenceMarket.AttributionReport memory report,
        address[] memory signers
    ) internal {
        GhostRequest storage g = _ghostRequests[requestId];
        g.status = IInferenceMarket.RequestStatus.Reported;
        g.executor = report.executor;
        g.challengeEndsAt = uint64(block.timestamp) + challengeWindow;
        g.declined = report.outputHash == bytes32(0);
        if (!g.declined) ghostReportedFees += g.fee;
        _ghostSigners[requestId] = signers;
        GhostAttribution[] storage recorded = _ghostAttributions[requestId];
        for (uint256 i; i < report.attributions.length; ++i) {
            uint256 contributionId = report.attributions[i].contributionId;
            (, address payee,) = datanets.contributionPayout(contributionId);
            recorded.push(
                GhostAttribution(contributionId, datanetOf[contributionId], report.attributions[i].weightBps, payee)
            );
        }
    }

    /// @dev A random ascending subset of the active keepers with the executor, holding the count and stake quorums
    /// (empty when the active keepers cannot).
    function _pickSigners(uint256 seed, address executor) internal view returns (address[] memory signers) {
        signers = new address[](keeperAddrs.length);
        uint256 count;
        uint256 signed;
        uint256 quorum = keepers.quorum();
        uint256 quorumStake = keepers.quorumStake();
        for (uint256 i; i < keeperAddrs.length; ++i) {
            uint256 stake_ = keepers.activeStakeOf(keeperAddrs[i]);
            if (stake_ == 0) continue;
            bool needed = count < quorum || signed < quorumStake;
            if (keeperAddrs[i] != executor && !needed && (seed >> i) & 1 == 1) continue;
            signers[count++] = keeperAddrs[i];
            signed += stake_;
        }
        if (count < quorum || signed < quorumStake) return new address[](0);
        assembly ("memory-safe") {
            mstore(signers, count)
        }
    }

    /// @dev One report in eight declines the request, one attributes nothing, one attributes all 10,000 bps to the
    /// model's contributions, the rest attribute a random subset with random weights (at most 1,250 bps each).
    function _report(uint256 requestId, uint256 seed, address executor)
        internal
        view
        returns (IInferenceMarket.AttributionReport memory report)
    {
        GhostRequest storage g = _ghostRequests[requestId];
        report = IInferenceMarket.AttributionReport({
            requestId: requestId,
            round: g.round,
            modelId: g.modelId,
            outputHash: seed % 8 == 0 ? bytes32(0) : keccak256(abi.encode("output", seed)),
            outputURI: "blob://output",
            executor: executor,
            attributionVersion: 1,
            attributions: new IInferenceMarket.Attribution[](0)
        });
        if (seed % 8 < 2) return report;
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](contributions.length);
        uint256 count;
        for (uint256 i; i < contributions.length; ++i) {
            if (!models.usesDatanet(g.modelId, datanetOf[contributions[i]])) continue;
            if (seed % 8 != 2 && (seed >> (8 + i)) & 1 == 0) continue;
            uint16 weight = uint16(uint256(keccak256(abi.encode(seed, i))) % 1250 + 1);
            attributions[count++] = IInferenceMarket.Attribution(contributions[i], weight);
        }
        if (seed % 8 == 2) {
            for (uint256 i; i < count; ++i) {
                // At most 10,000: the cast cannot truncate.
                // forge-lint: disable-next-line(unsafe-typecast)
                attributions[i].weightBps = uint16(BPS / count + (i == 0 ? BPS % count : 0));
            }
        }
        assembly ("memory-safe") {
            mstore(attributions, count)
        }
        report.attributions = attributions;
    }

    function _sign(IInferenceMarket.AttributionReport memory report, address[] memory signers)
        internal
        view
        returns (bytes[] memory signatures)
    {
        // The digest encoding itself is checked against forge's encoder in InferenceMarket.signatures.t.sol.
        bytes32 digest = market.hashReport(report);
        signatures = new bytes[](signers.length);
        for (uint256 i; i < signers.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keyOf[signers[i]], digest);
            signatures[i] = abi.encodePacked(r, s, v);
        }
    }

    // ─── Internal: challenges ─────────────────────────────────────────────────

    /// @dev Ascending signers of a conflicting report: accepted signers chosen by the seed (at least one) and
    /// keepers that did not sign the accepted report; `slashed[i]` says whether `signers[i]` signed both.
    function _conflictingSigners(uint256 requestId, uint256 seed)
        internal
        view
        returns (address[] memory signers, bool[] memory slashed)
    {
        address[] storage accepted = _ghostSigners[requestId];
        address forced = accepted[seed % accepted.length];
        signers = new address[](keeperAddrs.length);
        slashed = new bool[](keeperAddrs.length);
        uint256 count;
        for (uint256 i; i < keeperAddrs.length; ++i) {
            address keeper = keeperAddrs[i];
            bool signedAccepted;
            for (uint256 j; j < accepted.length; ++j) {
                if (accepted[j] == keeper) signedAccepted = true;
            }
            if (keeper != forced && (seed >> (16 + i)) & 1 == 0) continue;
            slashed[count] = signedAccepted;
            signers[count++] = keeper;
        }
        assembly ("memory-safe") {
            mstore(signers, count)
            mstore(slashed, count)
        }
    }

    function _conflicting(uint256 requestId, GhostRequest storage g, uint256 seed, address executor)
        internal
        view
        returns (IInferenceMarket.AttributionReport memory)
    {
        return IInferenceMarket.AttributionReport({
            requestId: requestId,
            round: g.round,
            modelId: g.modelId,
            outputHash: keccak256(abi.encode("conflict", seed)),
            outputURI: "blob://conflict",
            executor: executor,
            attributionVersion: 1,
            attributions: new IInferenceMarket.Attribution[](0)
        });
    }

    function _stakes() internal view returns (uint256[] memory stakes) {
        stakes = new uint256[](keeperAddrs.length);
        for (uint256 i; i < keeperAddrs.length; ++i) {
            stakes[i] = keepers.stakeOf(keeperAddrs[i]);
        }
    }

    /// @dev Each keeper that signed both reports lost `equivocationSlashBps` of its stake, the challenger (neither
    /// signer nor requester) got `challengerRewardBps` of it and the treasury the rest; nobody else lost stake.
    function _checkSlashes(
        address[] memory signers,
        bool[] memory slashed,
        uint256[] memory stakesBefore,
        uint256 challengerBefore,
        uint256 treasuryBefore
    ) internal {
        uint256 rewards;
        uint256 toTreasury;
        for (uint256 i; i < keeperAddrs.length; ++i) {
            uint256 taken;
            for (uint256 j; j < signers.length; ++j) {
                if (signers[j] == keeperAddrs[i] && slashed[j]) {
                    taken = stakesBefore[i] * ghostEquivocationSlashBps / BPS;
                }
            }
            uint256 reward = taken * ghostChallengerRewardBps / BPS;
            (rewards, toTreasury) = (rewards + reward, toTreasury + taken - reward);
            if (keepers.stakeOf(keeperAddrs[i]) != stakesBefore[i] - taken) ++_failures.slashMismatches;
        }
        if (open.balanceOf(challenger) != challengerBefore + rewards) ++_failures.slashMismatches;
        if (open.balanceOf(treasury) != treasuryBefore + toTreasury) ++_failures.slashMismatches;
    }

    /// @dev The voided request is open again in the next round, from now, reportable at least `reopenGrace` more.
    function _checkReopened(uint256 requestId) internal {
        GhostRequest storage g = _ghostRequests[requestId];
        uint64 graceEnd = uint64(block.timestamp) + ghostReopenGrace;
        g.status = IInferenceMarket.RequestStatus.Open;
        ++g.round;
        if (g.deadline < graceEnd) g.deadline = graceEnd;
        g.openedAt = uint64(block.timestamp);
        if (!g.declined) ghostReportedFees -= g.fee;
        (g.executor, g.challengeEndsAt, g.declined) = (address(0), 0, false);
        delete _ghostSigners[requestId];
        delete _ghostAttributions[requestId];
        IInferenceMarket.Request memory r = market.getRequest(requestId);
        if (
            r.status != IInferenceMarket.RequestStatus.Open || r.round != g.round || r.deadline < graceEnd
                || r.deadline != g.deadline || r.openedAt != g.openedAt
        ) ++_failures.reopenMismatches;
    }

    // ─── Internal: settlement ─────────────────────────────────────────────────

    /// @dev Books a finalized request: a decline refunds the requester, anything else credits its split. Returns
    /// the fee credited in the vault.
    function _settle(uint256 requestId) internal returns (uint256 credited) {
        GhostRequest storage g = _ghostRequests[requestId];
        if (!g.declined) ghostReportedFees -= g.fee;
        if (g.declined) {
            g.status = IInferenceMarket.RequestStatus.Refunded;
            ghostRequesterBalance[g.requester] += g.fee;
            ghostRefundedFees += g.fee;
            ++ghostDeclinesFinalized;
            return 0;
        }
        g.status = IInferenceMarket.RequestStatus.Finalized;
        _expectSplit(requestId, g);
        return g.fee;
    }

    /// @dev The documented split with the basis points in force when the request was made: executor, model owners
    /// by revenue weight, attributed payees (recorded at acceptance), the unattributed data share to the datanets'
    /// owners by attributed weight, the rest to the treasury; votes for model owners and contributors only.
    function _expectSplit(uint256 requestId, GhostRequest storage g) internal {
        uint256 fee = g.fee;
        uint256 earnedBps = BPS - g.protocolFeeBps - g.executorFeeBps;
        uint256 paid = _expectModelShare(g.modelId, fee * g.modelFeeBps / BPS, g.protocolFeeBps, earnedBps);
        uint256 dataShare = fee * (earnedBps - g.modelFeeBps) / BPS;
        paid += _expectDataShare(requestId, dataShare, g.protocolFeeBps, earnedBps);
        uint256 executorAmount = fee * g.executorFeeBps / BPS;
        ghostExpectedCredit[g.executor] += executorAmount;
        ghostExpectedCredit[treasury] += fee - executorAmount - paid;
    }

    function _expectModelShare(uint256 modelId, uint256 modelShare, uint256 protocolBps, uint256 earnedBps)
        internal
        returns (uint256 paid)
    {
        (address[] memory recipients, uint256[] memory weights) = models.revenueShares(modelId);
        for (uint256 i; i < recipients.length; ++i) {
            uint256 amount = modelShare * weights[i] / BPS;
            _expectEarned(recipients[i], amount, protocolBps, earnedBps);
            paid += amount;
        }
    }

    function _expectDataShare(uint256 requestId, uint256 dataShare, uint256 protocolBps, uint256 earnedBps)
        internal
        returns (uint256 paid)
    {
        GhostAttribution[] storage recorded = _ghostAttributions[requestId];
        uint256 attributedBps;
        for (uint256 i; i < recorded.length; ++i) {
            uint256 amount = dataShare * recorded[i].weightBps / BPS;
            _expectEarned(recorded[i].payee, amount, protocolBps, earnedBps);
            paid += amount;
            attributedBps += recorded[i].weightBps;
        }
        // Nothing attributed leaves the data share to the treasury; everything attributed leaves no remainder.
        if (attributedBps == 0 || attributedBps == BPS) return paid;
        uint256 unattributed = dataShare * (BPS - attributedBps) / BPS;
        for (uint256 k; k < datanetIds.length; ++k) {
            uint256 weight;
            for (uint256 i; i < recorded.length; ++i) {
                if (recorded[i].datanetId == datanetIds[k]) weight += recorded[i].weightBps;
            }
            if (weight == 0) continue;
            uint256 amount = unattributed * weight / attributedBps;
            ghostExpectedCredit[datanets.datanetOwner(datanetIds[k])] += amount;
            paid += amount;
            if (weight != attributedBps) ++ghostRemaindersSplit;
        }
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function _expectEarned(address account, uint256 amount, uint256 protocolBps, uint256 earnedBps) internal {
        ghostExpectedCredit[account] += amount;
        ghostExpectedVotes[account] += amount * protocolBps / earnedBps;
    }
}
