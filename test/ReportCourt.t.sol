// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {ReportCourt} from "../contracts/ReportCourt.sol";
import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {IKeeperRegistry} from "../contracts/interfaces/IKeeperRegistry.sol";
import {IReportCourt} from "../contracts/interfaces/IReportCourt.sol";
import {ProtocolFixture} from "./utils/ProtocolFixture.sol";

/// @notice The report court on the real protocol: each attack it exists for is performed and shown to fail, next to
/// the honest path.
contract ReportCourtTest is ProtocolFixture {
    uint256 internal constant MIN_BOND = 5 ether;
    uint32 internal constant BOND_FEE_BPS = 10_000;
    uint64 internal constant RESOLUTION_PERIOD = 14 days;
    uint64 internal constant APPEAL_WINDOW = 3 days;
    /// @dev A ruling can err where a signature cannot: an upheld dispute slashes a quarter, an equivocation half.
    uint16 internal constant EQUIVOCATION_SLASH_BPS = 5000;
    uint16 internal constant DISPUTE_SLASH_BPS = 2500;
    uint16 internal constant CHALLENGER_REWARD_BPS = 5000;

    ReportCourt internal court;
    address internal guardian = makeAddr("guardian");
    address internal watcher = makeAddr("watcher");
    address internal stranger = makeAddr("stranger");

    function setUp() public override {
        super.setUp();
        court = new ReportCourt(
            address(market), address(keepers), address(open), governance, treasury, guardian, _courtParameters()
        );
        vm.startPrank(governance);
        market.setCourt(address(court));
        keepers.setCourt(address(court));
        keepers.setGuardian(guardian);
        keepers.setSlashParameters(EQUIVOCATION_SLASH_BPS, DISPUTE_SLASH_BPS, CHALLENGER_REWARD_BPS);
        vm.stopPrank();
        _fund(watcher, 10_000_000 ether, address(court));
        vm.prank(requester);
        open.approve(address(court), type(uint256).max);
    }

    // ─── Attack 1: a colluding quorum signs a wrong but consistent report ─────

    function test_execute_upheldSybilQuorumReport_slashesSignersAndHonestRoundPays() public {
        _addKeeper("keeper3");
        uint256 requestId = _request();
        (address[] memory colluders, address[] memory honest) = _split(requestId);
        _submitSybilReport(requestId, colluders);
        // They try to leave with their stake before anyone notices.
        uint64 unbondingEndsAt;
        for (uint256 i; i < colluders.length; ++i) {
            vm.prank(colluders[i]);
            unbondingEndsAt = keepers.requestUnbond();
        }

        uint64 frozenUntil = uint64(block.timestamp) + RESOLUTION_PERIOD + APPEAL_WINDOW;
        vm.expectEmit(address(court));
        emit IReportCourt.DisputeOpened(requestId, 0, watcher, PRICE, "blob://evidence");
        vm.prank(watcher);
        uint256 bond = court.dispute(requestId, "blob://evidence");
        assertEq(bond, PRICE);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Disputed));

        vm.warp(unbondingEndsAt);
        for (uint256 i; i < colluders.length; ++i) {
            assertEq(keepers.frozenUntil(colluders[i]), frozenUntil);
            vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperFrozen.selector, colluders[i], frozenUntil));
            vm.prank(colluders[i]);
            keepers.withdraw();
        }

        vm.prank(guardian);
        court.rule(requestId, true);
        uint64 executableAt = uint64(block.timestamp) + APPEAL_WINDOW;
        vm.warp(executableAt);
        uint256 watcherBefore = open.balanceOf(watcher);
        uint256 slashedEach = 2 * KEEPER_STAKE * DISPUTE_SLASH_BPS / 10_000;
        uint256 slashed = court.execute(requestId);

        assertEq(slashed, 2 * slashedEach);
        for (uint256 i; i < colluders.length; ++i) {
            assertEq(keepers.stakeOf(colluders[i]), 2 * KEEPER_STAKE - slashedEach);
            // Still frozen for a resolution period past the ruling, not only until the dispute could be decided.
            assertEq(keepers.frozenUntil(colluders[i]), executableAt + RESOLUTION_PERIOD);
        }
        assertEq(open.balanceOf(watcher) - watcherBefore, bond + slashed * CHALLENGER_REWARD_BPS / 10_000);
        IInferenceMarket.Request memory request = market.getRequest(requestId);
        assertEq(uint8(request.status), uint8(IInferenceMarket.RequestStatus.Open));
        assertEq(request.round, 1);
        assertEq(market.reportSigners(requestId).length, 0);

        // The honest keepers answer round 1 and the right contributor is paid.
        IInferenceMarket.AttributionReport memory right = _report(requestId, _attributions(accepted[0], 10_000));
        assertEq(right.round, 1);
        market.submitReport(right, _signaturesBy(right, honest));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        assertEq(vault.balanceOf(contributor), PRICE * DATA_BPS / 10_000);
        assertEq(vault.balanceOf(makeAddr("sybil")), 0);
    }

    // ─── Attack 2: a griefer disputes a correct report ────────────────────────

    function test_execute_rejectedDispute_forfeitsBondAndReportFinalizesAtOnce() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory report) = _reported(1);
        vm.prank(watcher);
        uint256 bond = court.dispute(requestId, "blob://grief");
        vm.prank(guardian);
        court.rule(requestId, false);
        vm.warp(block.timestamp + APPEAL_WINDOW);

        uint256 executorBefore = open.balanceOf(report.executor);
        uint256 treasuryBefore = open.balanceOf(treasury);
        vm.expectEmit(address(court));
        emit IReportCourt.DisputeExecuted(requestId, false, 0);
        vm.expectEmit(address(court));
        emit IReportCourt.BondForfeited(requestId, report.executor, bond / 2, bond - bond / 2);
        assertEq(court.execute(requestId), 0);

        assertEq(open.balanceOf(report.executor) - executorBefore, bond / 2);
        assertEq(open.balanceOf(treasury) - treasuryBefore, bond - bond / 2);
        assertEq(open.balanceOf(address(court)), 0);
        for (uint256 i; i < keeperAddrs.length; ++i) {
            assertEq(keepers.stakeOf(keeperAddrs[i]), KEEPER_STAKE);
        }
        // The griefer cannot dispute again to delay it further: the window closed with the ruling.
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketChallengeWindowClosed.selector, requestId, uint64(block.timestamp)
            )
        );
        vm.prank(watcher);
        court.dispute(requestId, "blob://grief");
        _finalizeOne(requestId);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Finalized));
    }

    // ─── Attack 3: the requester disputes its own delivered answer ────────────

    function test_execute_requesterDisputeUpheld_paysNoRewardAndKeepsRequestReportable() public {
        uint256 requestId = _request();
        // Answered late, so that voiding it would run the request out of time without the reopen grace.
        vm.warp(block.timestamp + REQUEST_TIMEOUT - 10 minutes);
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        address[] memory signers = _signersOf(report, 2);
        _submit(report);

        vm.prank(requester);
        uint256 bond = court.dispute(requestId, "blob://not-what-i-wanted");
        vm.prank(guardian);
        court.rule(requestId, true); // wrongly
        vm.warp(block.timestamp + APPEAL_WINDOW);
        uint256 requesterBefore = open.balanceOf(requester);
        uint256 treasuryBefore = open.balanceOf(treasury);
        uint256 slashedEach = KEEPER_STAKE * DISPUTE_SLASH_BPS / 10_000;
        for (uint256 i; i < signers.length; ++i) {
            vm.expectEmit(address(keepers));
            emit IKeeperRegistry.KeeperSlashed(signers[i], slashedEach, address(0), 0);
        }
        court.execute(requestId);

        assertEq(open.balanceOf(requester) - requesterBefore, bond, "bond back, no reward");
        assertEq(open.balanceOf(treasury) - treasuryBefore, 2 * slashedEach);
        IInferenceMarket.Request memory request = market.getRequest(requestId);
        assertEq(request.round, 1);
        assertEq(request.deadline, uint64(block.timestamp) + REOPEN_GRACE);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketDeadlineNotReached.selector, requestId, request.deadline)
        );
        market.refund(requestId);

        // The scheduled executor answers again and is paid.
        IInferenceMarket.AttributionReport memory again = _report(requestId, 1);
        market.submitReport(again, _signatures(again, 3));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Finalized));
        assertEq(vault.balanceOf(again.executor), PRICE * EXECUTOR_BPS / 10_000);
    }

    function test_execute_upheldDisputeBySigner_paysNoReward() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory report) = _reported(1);
        // The executor turns on its own report, hoping to earn its partner's slash.
        _fund(report.executor, PRICE, address(court));
        vm.prank(report.executor);
        uint256 bond = court.dispute(requestId, "blob://my-own-mistake");
        vm.prank(governance);
        court.rule(requestId, true);
        uint256 before = open.balanceOf(report.executor);
        court.execute(requestId);
        assertEq(open.balanceOf(report.executor) - before, bond);
        assertEq(keepers.stakeOf(report.executor), KEEPER_STAKE - KEEPER_STAKE * DISPUTE_SLASH_BPS / 10_000);
    }

    // ─── Attack 4: an accomplice's challenge hides the equivocators ───────────

    function test_proveEquivocation_afterFrontRunningChallenge_slashesEquivocators() public {
        // A and B (the two lowest keepers) and E sign R1; A and B also sign R2 for the same round.
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory r1 = _report(requestId, 1);
        market.submitReport(r1, _signatures(r1, 3));
        IInferenceMarket.AttributionReport memory r2 = _report(requestId, _attributions(accepted[1], 5000));
        // E sacrifices itself first with a report only it signed, voiding R1 before anyone proves A and B.
        address e = keeperAddrs[2];
        IInferenceMarket.AttributionReport memory r3 = _report(requestId, 1);
        r3.outputURI = "blob://decoy";
        bytes[] memory decoy = new bytes[](1);
        decoy[0] = _sign(keeperKeys[2], _digest(r3));
        vm.prank(e);
        address[] memory slashedByMarket = market.challenge(requestId, r3, decoy);
        assertEq(slashedByMarket.length, 1);
        assertEq(slashedByMarket[0], e);
        assertEq(market.getRequest(requestId).round, 1);

        // R2 can no longer be accepted: its round is over.
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketWrongRound.selector, requestId, 1, 0));
        market.submitReport(r2, _signaturesBy(r2, _pair(keeperAddrs[0], keeperAddrs[1])));

        // A and B are still slashed, late and whatever the request's status.
        uint256 expected = KEEPER_STAKE * EQUIVOCATION_SLASH_BPS / 10_000;
        _proveAndCheck(r1, r2, 0, expected);
        _proveAndCheck(r1, r2, 1, expected);
        // E's own equivocation was slashed once, by the market.
        _proveAndCheck(r1, r3, 2, 0);
        assertEq(keepers.stakeOf(e), KEEPER_STAKE - expected);
    }

    function test_proveEquivocation_sameEquivocationTwice_slashesNothingMore() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory r1) = _reported(1);
        IInferenceMarket.AttributionReport memory r2 = _report(requestId, _attributions(accepted[1], 5000));
        IInferenceMarket.AttributionReport memory r3 = _report(requestId, _attributions(accepted[2], 5000));
        uint256 key = keeperKeys[_keeperIndex(r1.executor)];
        vm.prank(challenger);
        (, uint256 first) = court.proveEquivocation(r1, _sign(key, _digest(r1)), r2, _sign(key, _digest(r2)));
        assertGt(first, 0);

        bytes32 evidence = keccak256(abi.encode(address(market), requestId, uint16(0)));
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.EquivocationAlreadySlashed(r1.executor, evidence);
        vm.prank(challenger);
        (address keeper, uint256 second) =
            court.proveEquivocation(r2, _sign(key, _digest(r2)), r3, _sign(key, _digest(r3)));
        assertEq(keeper, r1.executor);
        assertEq(second, 0);
        assertEq(keepers.stakeOf(r1.executor), KEEPER_STAKE - first);
    }

    function test_proveEquivocation_byTheKeeperItself_paysNoReward() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory r1) = _reported(1);
        IInferenceMarket.AttributionReport memory r2 = _report(requestId, _attributions(accepted[1], 5000));
        uint256 key = keeperKeys[_keeperIndex(r1.executor)];
        uint256 slashed = KEEPER_STAKE * EQUIVOCATION_SLASH_BPS / 10_000;
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperSlashed(r1.executor, slashed, address(0), 0);
        vm.prank(r1.executor);
        court.proveEquivocation(r1, _sign(key, _digest(r1)), r2, _sign(key, _digest(r2)));
    }

    // ─── Timeout: nobody rules ────────────────────────────────────────────────

    function test_execute_unruledAfterResolutionPeriod_keepsReportAndReturnsBond() public {
        (uint256 requestId,) = _reported(1);
        vm.prank(watcher);
        uint256 bond = court.dispute(requestId, "blob://evidence");
        uint256 watcherBefore = open.balanceOf(watcher);
        vm.warp(block.timestamp + RESOLUTION_PERIOD);

        vm.expectEmit(address(court));
        emit IReportCourt.DisputeExecuted(requestId, false, 0);
        court.execute(requestId);

        assertEq(open.balanceOf(watcher) - watcherBefore, bond);
        IReportCourt.Dispute memory d = court.getDispute(requestId);
        assertEq(uint8(d.ruling), uint8(IReportCourt.Ruling.None));
        assertTrue(d.executed);
        _finalizeOne(requestId);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Finalized));
    }

    function test_RevertWhen_ruleAfterResolutionPeriod() public {
        (uint256 requestId,) = _reported(1);
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");
        uint64 resolveBy = uint64(block.timestamp) + RESOLUTION_PERIOD;
        vm.warp(resolveBy);
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtResolutionPeriodOver.selector, requestId, resolveBy));
        vm.prank(guardian);
        court.rule(requestId, true);
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtResolutionPeriodOver.selector, requestId, resolveBy));
        vm.prank(governance);
        court.rule(requestId, true);
    }

    // ─── Rulings ──────────────────────────────────────────────────────────────

    function test_dispute_recordsDisputeAndFreezesEverySigner() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        market.submitReport(report, _signatures(report, 3));
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");

        IReportCourt.Dispute memory d = court.getDispute(requestId);
        assertEq(d.disputer, watcher);
        assertEq(d.round, 0);
        assertEq(d.openedAt, block.timestamp);
        assertEq(d.resolveBy, block.timestamp + RESOLUTION_PERIOD);
        assertEq(d.appealWindow, APPEAL_WINDOW);
        assertEq(d.executableAt, 0);
        assertEq(d.bond, PRICE);
        assertEq(open.balanceOf(address(court)), PRICE);
        for (uint256 i; i < keeperAddrs.length; ++i) {
            assertEq(keepers.frozenUntil(keeperAddrs[i]), block.timestamp + RESOLUTION_PERIOD + APPEAL_WINDOW);
        }
    }

    function test_rule_ownerOverridesGuardian_executableAtOnce() public {
        (uint256 requestId,) = _reported(1);
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");
        vm.prank(guardian);
        court.rule(requestId, true);
        vm.warp(block.timestamp + APPEAL_WINDOW - 1);

        vm.expectEmit(address(court));
        emit IReportCourt.DisputeRuled(requestId, false, governance, uint64(block.timestamp));
        vm.prank(governance);
        court.rule(requestId, false);
        assertEq(court.execute(requestId), 0);
        for (uint256 i; i < keeperAddrs.length; ++i) {
            assertEq(keepers.stakeOf(keeperAddrs[i]), KEEPER_STAKE);
        }
    }

    function test_rule_ownerRulesFirst_executableAtOnce() public {
        (uint256 requestId,) = _reported(1);
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");
        vm.prank(governance);
        court.rule(requestId, true);
        assertGt(court.execute(requestId), 0);
        assertEq(market.getRequest(requestId).round, 1);
    }

    function test_dispute_againInLaterRound() public {
        (uint256 requestId,) = _reported(1);
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");
        vm.prank(governance);
        court.rule(requestId, true);
        court.execute(requestId);

        IInferenceMarket.AttributionReport memory again = _report(requestId, 1);
        market.submitReport(again, _signatures(again, 3));
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence-2");
        assertEq(court.getDispute(requestId).round, 1);
        assertFalse(court.getDispute(requestId).executed);
    }

    // ─── Reverts ──────────────────────────────────────────────────────────────

    function test_RevertWhen_disputeAfterChallengeWindow() public {
        (uint256 requestId,) = _reported(1);
        uint64 challengeEndsAt = market.getRequest(requestId).challengeEndsAt;
        vm.warp(challengeEndsAt);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketChallengeWindowClosed.selector, requestId, challengeEndsAt)
        );
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");
    }

    function test_RevertWhen_disputeUnreportedRequest() public {
        uint256 requestId = _request();
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketRequestNotReported.selector, requestId, IInferenceMarket.RequestStatus.Open
            )
        );
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");
    }

    function test_RevertWhen_disputeAlreadyOpen() public {
        (uint256 requestId,) = _reported(1);
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtDisputeOpen.selector, requestId, 0));
        vm.prank(stranger);
        court.dispute(requestId, "blob://evidence");
    }

    /// @dev A court swapped while a dispute is open could never settle it: the fee and the bond would be stuck.
    function test_RevertWhen_courtChangedWhileDisputeOpen() public {
        uint256 requestId = _disputed();
        assertEq(market.disputesOpen(), 1);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketDisputesOpen.selector, 1));
        market.setCourt(makeAddr("newCourt"));
        vm.prank(guardian);
        court.rule(requestId, false);
        vm.warp(block.timestamp + APPEAL_WINDOW);
        court.execute(requestId);
        assertEq(market.disputesOpen(), 0);
        vm.prank(governance);
        market.setCourt(makeAddr("newCourt"));
    }

    function test_RevertWhen_ruleByStranger() public {
        uint256 requestId = _disputed();
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtCallerNotJudge.selector, stranger));
        vm.prank(stranger);
        court.rule(requestId, true);
    }

    function test_RevertWhen_ruleWithoutDispute() public {
        (uint256 requestId,) = _reported(1);
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtNoOpenDispute.selector, requestId));
        vm.prank(guardian);
        court.rule(requestId, true);
    }

    function test_RevertWhen_guardianRulesTwice() public {
        uint256 requestId = _disputed();
        vm.prank(guardian);
        court.rule(requestId, false);
        uint64 executableAt = uint64(block.timestamp) + APPEAL_WINDOW;
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtAlreadyRuled.selector, requestId, executableAt));
        vm.prank(guardian);
        court.rule(requestId, true);
    }

    function test_RevertWhen_ownerOverridesAfterAppealWindow() public {
        uint256 requestId = _disputed();
        vm.prank(guardian);
        court.rule(requestId, false);
        uint64 executableAt = uint64(block.timestamp) + APPEAL_WINDOW;
        vm.warp(executableAt);
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtAlreadyRuled.selector, requestId, executableAt));
        vm.prank(governance);
        court.rule(requestId, true);
    }

    function test_RevertWhen_ownerRulesTwice() public {
        uint256 requestId = _disputed();
        vm.prank(governance);
        court.rule(requestId, false);
        vm.expectRevert(
            abi.encodeWithSelector(IReportCourt.CourtAlreadyRuled.selector, requestId, uint64(block.timestamp))
        );
        vm.prank(governance);
        court.rule(requestId, true);
    }

    function test_RevertWhen_guardianRetired() public {
        uint256 requestId = _disputed();
        vm.expectEmit(address(court));
        emit IReportCourt.GuardianSet(address(0));
        vm.prank(governance);
        court.setGuardian(address(0));
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtCallerNotJudge.selector, guardian));
        vm.prank(guardian);
        court.rule(requestId, true);
    }

    function test_RevertWhen_executeBeforeExecutable() public {
        uint256 requestId = _disputed();
        uint64 resolveBy = uint64(block.timestamp) + RESOLUTION_PERIOD;
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtNotExecutable.selector, requestId, resolveBy));
        court.execute(requestId);

        vm.prank(guardian);
        court.rule(requestId, true);
        uint64 executableAt = uint64(block.timestamp) + APPEAL_WINDOW;
        vm.warp(executableAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtNotExecutable.selector, requestId, executableAt));
        court.execute(requestId);
    }

    function test_RevertWhen_executeTwice() public {
        uint256 requestId = _disputed();
        vm.prank(governance);
        court.rule(requestId, false);
        court.execute(requestId);
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtNoOpenDispute.selector, requestId));
        court.execute(requestId);
    }

    function test_RevertWhen_proveEquivocationWithBadSignature() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory r1) = _reported(1);
        IInferenceMarket.AttributionReport memory r2 = _report(requestId, _attributions(accepted[1], 5000));
        uint256 key = keeperKeys[0];
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtInvalidSignature.selector, 0));
        court.proveEquivocation(r1, hex"1234", r2, _sign(key, _digest(r2)));
        bytes memory unrecoverable = abi.encodePacked(bytes32(0), bytes32(0), uint8(27));
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtInvalidSignature.selector, 1));
        court.proveEquivocation(r1, _sign(key, _digest(r1)), r2, unrecoverable);
    }

    function test_RevertWhen_proveEquivocationBySignersThatDiffer() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory r1) = _reported(1);
        IInferenceMarket.AttributionReport memory r2 = _report(requestId, _attributions(accepted[1], 5000));
        vm.expectRevert(
            abi.encodeWithSelector(IReportCourt.CourtSignersDiffer.selector, keeperAddrs[0], keeperAddrs[1])
        );
        court.proveEquivocation(r1, _sign(keeperKeys[0], _digest(r1)), r2, _sign(keeperKeys[1], _digest(r2)));
    }

    function test_RevertWhen_proveEquivocationByNonKeeper() public {
        (address stranger_, uint256 key) = makeAddrAndKey("notAKeeper");
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory a = _report(requestId, 1);
        IInferenceMarket.AttributionReport memory b = _report(requestId, 0);
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtNotAKeeper.selector, stranger_));
        court.proveEquivocation(a, _sign(key, _digest(a)), b, _sign(key, _digest(b)));
    }

    function test_RevertWhen_proveEquivocationAcrossRequests() public {
        (uint256 first, IInferenceMarket.AttributionReport memory r1) = _reported(1);
        uint256 second = _request();
        IInferenceMarket.AttributionReport memory r2 = _report(second, 1);
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtReportRequestMismatch.selector, first, second));
        court.proveEquivocation(r1, _sign(keeperKeys[0], _digest(r1)), r2, _sign(keeperKeys[0], _digest(r2)));
    }

    function test_RevertWhen_proveEquivocationAcrossRounds() public {
        (, IInferenceMarket.AttributionReport memory r1) = _reported(1);
        IInferenceMarket.AttributionReport memory r2 = _report(r1.requestId, 1);
        r2.round = 1;
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtRoundMismatch.selector, 0, 1));
        court.proveEquivocation(r1, _sign(keeperKeys[0], _digest(r1)), r2, _sign(keeperKeys[0], _digest(r2)));
    }

    function test_RevertWhen_proveEquivocationOfOneReport() public {
        (, IInferenceMarket.AttributionReport memory r1) = _reported(1);
        bytes memory signature = _sign(keeperKeys[0], _digest(r1));
        vm.expectRevert(abi.encodeWithSelector(IReportCourt.CourtSameReport.selector, _digest(r1)));
        court.proveEquivocation(r1, signature, r1, signature);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    function test_setParameters_appliesToDisputesOpenedAfter() public {
        uint256 requestId = _disputed();
        vm.expectEmit(address(court));
        emit IReportCourt.ParametersSet(50 ether, 20_000, 1 days, 1 hours);
        vm.prank(governance);
        court.setParameters(50 ether, 20_000, 1 days, 1 hours);
        assertEq(court.getDispute(requestId).resolveBy, block.timestamp + RESOLUTION_PERIOD);
        assertEq(court.getDispute(requestId).appealWindow, APPEAL_WINDOW);

        (uint256 other,) = _reported(1);
        assertEq(court.bondFor(other), 50 ether);
        vm.prank(watcher);
        court.dispute(other, "blob://evidence");
        assertEq(court.getDispute(other).resolveBy, block.timestamp + 1 days);
        assertEq(court.getDispute(other).appealWindow, 1 hours);
    }

    function test_RevertWhen_setParametersOutOfBounds() public {
        uint64 minPeriod = court.MIN_PERIOD();
        uint64 maxPeriod = court.MAX_PERIOD();
        uint32 maxBps = court.MAX_BOND_FEE_BPS();
        _expectParametersRevert(0, BOND_FEE_BPS, RESOLUTION_PERIOD, APPEAL_WINDOW);
        _expectParametersRevert(MIN_BOND, maxBps + 1, RESOLUTION_PERIOD, APPEAL_WINDOW);
        _expectParametersRevert(MIN_BOND, BOND_FEE_BPS, minPeriod - 1, APPEAL_WINDOW);
        _expectParametersRevert(MIN_BOND, BOND_FEE_BPS, maxPeriod + 1, APPEAL_WINDOW);
        _expectParametersRevert(MIN_BOND, BOND_FEE_BPS, RESOLUTION_PERIOD, minPeriod - 1);
        _expectParametersRevert(MIN_BOND, BOND_FEE_BPS, RESOLUTION_PERIOD, maxPeriod + 1);
        vm.prank(governance);
        court.setParameters(1, maxBps, minPeriod, maxPeriod);
    }

    function test_RevertWhen_governanceSetterByStranger() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        court.setParameters(MIN_BOND, BOND_FEE_BPS, RESOLUTION_PERIOD, APPEAL_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        court.setGuardian(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        court.setTreasury(stranger);
        vm.stopPrank();
    }

    function test_setTreasury_receivesForfeitedBonds() public {
        address newTreasury = makeAddr("newTreasury");
        vm.expectEmit(address(court));
        emit IReportCourt.TreasurySet(newTreasury);
        vm.prank(governance);
        court.setTreasury(newTreasury);
        uint256 requestId = _disputed();
        vm.prank(governance);
        court.rule(requestId, false);
        court.execute(requestId);
        assertEq(open.balanceOf(newTreasury), PRICE - PRICE / 2);

        vm.expectRevert(IReportCourt.CourtZeroAddress.selector);
        vm.prank(governance);
        court.setTreasury(address(0));
    }

    function test_RevertWhen_constructedWithForeignRegistry() public {
        vm.expectRevert(
            abi.encodeWithSelector(IReportCourt.CourtWiringMismatch.selector, address(keepers), address(open))
        );
        new ReportCourt(address(market), stranger, address(open), governance, treasury, guardian, _courtParameters());
    }

    // ─── Fuzz ─────────────────────────────────────────────────────────────────

    function testFuzz_bondFor_isLargerOfMinBondAndFeeShare(uint256 price, uint256 minBond, uint32 bondFeeBps) public {
        // Fees awaiting settlement are capped at 10x the 6,000 OPEN bonded in the fixture.
        price = bound(price, 0, 60_000 ether);
        minBond = bound(minBond, 1, 1_000_000 ether);
        bondFeeBps = uint32(bound(bondFeeBps, 0, court.MAX_BOND_FEE_BPS()));
        vm.prank(developer);
        models.setPrice(modelId, price);
        vm.prank(governance);
        court.setParameters(minBond, bondFeeBps, RESOLUTION_PERIOD, APPEAL_WINDOW);
        (uint256 requestId,) = _reported(1);

        uint256 share = price * bondFeeBps / 10_000;
        uint256 expected = share > minBond ? share : minBond;
        assertEq(court.bondFor(requestId), expected);
        uint256 before = open.balanceOf(watcher);
        vm.prank(watcher);
        assertEq(court.dispute(requestId, "blob://evidence"), expected);
        assertEq(before - open.balanceOf(watcher), expected);
        assertEq(court.getDispute(requestId).bond, expected);
    }

    // ─── Helpers ──────────────────────────────────────────────────────────────

    function _courtParameters() internal pure returns (IReportCourt.Parameters memory) {
        return IReportCourt.Parameters({
            minBond: MIN_BOND,
            bondFeeBps: BOND_FEE_BPS,
            resolutionPeriod: RESOLUTION_PERIOD,
            appealWindow: APPEAL_WINDOW
        });
    }

    function _expectParametersRevert(uint256 minBond, uint32 bondFeeBps, uint64 resolutionPeriod, uint64 appealWindow)
        internal
    {
        vm.expectRevert(
            abi.encodeWithSelector(
                IReportCourt.CourtParametersOutOfBounds.selector, minBond, bondFeeBps, resolutionPeriod, appealWindow
            )
        );
        vm.prank(governance);
        court.setParameters(minBond, bondFeeBps, resolutionPeriod, appealWindow);
    }

    /// @dev A reported request disputed by the watcher.
    function _disputed() internal returns (uint256 requestId) {
        (requestId,) = _reported(1);
        vm.prank(watcher);
        court.dispute(requestId, "blob://evidence");
    }

    /// @dev The colluders (the request's scheduled executor and the lowest other keeper) and the honest rest, each
    /// ascending.
    function _split(uint256 requestId) internal view returns (address[] memory colluders, address[] memory honest) {
        (address executor,,) = market.scheduledExecutor(requestId);
        address partner = keeperAddrs[0] == executor ? keeperAddrs[1] : keeperAddrs[0];
        colluders = _pair(executor, partner);
        honest = new address[](keeperAddrs.length - 2);
        uint256 n;
        for (uint256 i; i < keeperAddrs.length; ++i) {
            if (keeperAddrs[i] != executor && keeperAddrs[i] != partner) honest[n++] = keeperAddrs[i];
        }
    }

    /// @dev The colluders buy the stake quorum (8,000 of 12,000 bonded), get a contribution of their own accepted
    /// into the model's datanet like any other, and sign a report giving it the whole data share.
    function _submitSybilReport(uint256 requestId, address[] memory colluders) internal {
        for (uint256 i; i < colluders.length; ++i) {
            _fund(colluders[i], KEEPER_STAKE, address(keepers));
            vm.prank(colluders[i]);
            keepers.stake(KEEPER_STAKE);
        }
        address sybil = makeAddr("sybil");
        _fund(sybil, BOND, address(datanets));
        vm.prank(sybil);
        uint256 id = datanets.contribute(datanetId, keccak256("sybil"), "blob://sybil");
        vm.prank(datanetOwner);
        datanets.acceptContribution(id);
        IInferenceMarket.AttributionReport memory wrong = _report(requestId, _attributions(id, 10_000));
        market.submitReport(wrong, _signaturesBy(wrong, colluders));
    }

    /// @dev The challenger proves that keeper `index` signed `a` and `b`; `expected` is slashed, half to the
    /// challenger.
    function _proveAndCheck(
        IInferenceMarket.AttributionReport memory a,
        IInferenceMarket.AttributionReport memory b,
        uint256 index,
        uint256 expected
    ) internal {
        address keeper = keeperAddrs[index];
        uint256 stakeBefore = keepers.stakeOf(keeper);
        uint256 challengerBefore = open.balanceOf(challenger);
        vm.expectEmit(address(court));
        emit IReportCourt.EquivocationProven(a.requestId, a.round, keeper, _digest(a), _digest(b), challenger, expected);
        (address proven, uint256 slashed) = _prove(a, b, index);
        assertEq(proven, keeper);
        assertEq(slashed, expected);
        assertEq(stakeBefore - keepers.stakeOf(keeper), expected);
        assertEq(open.balanceOf(challenger) - challengerBefore, expected * CHALLENGER_REWARD_BPS / 10_000);
    }

    /// @dev The challenger proves that keeper `index` signed both `a` and `b`.
    function _prove(
        IInferenceMarket.AttributionReport memory a,
        IInferenceMarket.AttributionReport memory b,
        uint256 index
    ) internal returns (address keeper, uint256 slashed) {
        bytes memory signatureA = _sign(keeperKeys[index], _digest(a));
        bytes memory signatureB = _sign(keeperKeys[index], _digest(b));
        vm.prank(challenger);
        return court.proveEquivocation(a, signatureA, b, signatureB);
    }

    function _pair(address x, address y) internal pure returns (address[] memory pair) {
        pair = new address[](2);
        (pair[0], pair[1]) = x < y ? (x, y) : (y, x);
    }

    /// @dev The signers `_signatures(report, count)` picks, ascending.
    function _signersOf(IInferenceMarket.AttributionReport memory report, uint256 count)
        internal
        view
        returns (address[] memory signers)
    {
        bytes32 digest = _digest(report);
        bytes[] memory signatures = _signatures(report, count);
        signers = new address[](count);
        for (uint256 i; i < count; ++i) {
            (bytes32 r, bytes32 s) = abi.decode(signatures[i], (bytes32, bytes32));
            signers[i] = ecrecover(digest, uint8(signatures[i][64]), r, s);
        }
    }

    /// @dev Signatures of `signers` (fixture keepers, ascending).
    function _signaturesBy(IInferenceMarket.AttributionReport memory report, address[] memory signers)
        internal
        view
        returns (bytes[] memory signatures)
    {
        bytes32 digest = _digest(report);
        signatures = new bytes[](signers.length);
        for (uint256 i; i < signers.length; ++i) {
            signatures[i] = _sign(keeperKeys[_keeperIndex(signers[i])], digest);
        }
    }
}
