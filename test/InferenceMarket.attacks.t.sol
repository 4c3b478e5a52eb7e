// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDatanetRegistry} from "../contracts/interfaces/IDatanetRegistry.sol";
import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {IKeeperRegistry} from "../contracts/interfaces/IKeeperRegistry.sol";
import {IModelRegistry} from "../contracts/interfaces/IModelRegistry.sol";
import {ProtocolFixture} from "./utils/ProtocolFixture.sol";

/// @notice The attacks of an adversarial review of the market, each performed against the real contracts and shown
/// to fail: Sybil keepers, signers naming their own executor, a requester's late challenge to get a delivered
/// answer refunded, a model owner listing empty datanets, governance re-pricing escrowed requests, and fees
/// outgrowing the stake that backs them. (Disputes and court proofs: `ReportCourt.t.sol`; governance:
/// `attacks/GovernanceCapture.t.sol`.)
contract InferenceMarketAttacksTest is ProtocolFixture {
    /// @dev Two Sybil keepers at the minimum stake, with their own accepted contribution, copy the honest output
    /// and attribute the whole data share to themselves. By count they are a quorum; by stake they are not.
    function test_attack_sybilMinimumStakesCannotReachStakeQuorum() public {
        (address sybilA, uint256 keyA) = makeAddrAndKey("sybilA");
        (address sybilB, uint256 keyB) = makeAddrAndKey("sybilB");
        address[2] memory sybils = [sybilA, sybilB];
        for (uint256 i; i < 2; ++i) {
            _fund(sybils[i], MIN_STAKE, address(keepers));
            vm.prank(sybils[i]);
            keepers.stake(MIN_STAKE);
        }
        uint256 own = _acceptedContribution(datanetId);
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(own, 10_000));
        // Wait for a Sybil's turn, so the schedule is not what stops them.
        report.executor = _warpToTurnOf(requestId, sybilA);
        assertEq(report.executor, sybilA);
        bytes32 digest = _digest(report);
        bytes[] memory signatures = new bytes[](2);
        (uint256 low, uint256 high) = sybilA < sybilB ? (keyA, keyB) : (keyB, keyA);
        signatures[0] = _sign(low, digest);
        signatures[1] = _sign(high, digest);
        uint256 signed = 2 * MIN_STAKE;
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketBelowStakeQuorum.selector, signed, keepers.quorumStake())
        );
        market.submitReport(report, signatures);
        // Splitting the same stake over more accounts changes nothing: weight is stake.
        assertEq(keepers.quorumStake(), (keepers.activeStake() * 6666 + 9999) / 10_000);
    }

    /// @dev Signers that hold the stake quorum name one of themselves executor out of turn, to take its share.
    function test_attack_signersCannotNameThemselvesExecutor() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        // The keeper scheduled neither for this turn nor for the previous one names itself.
        (address scheduled, uint256 turn,) = market.scheduledExecutor(requestId);
        address previous = turn == 0 ? address(0) : market.executorAt(requestId, 0, turn - 1);
        address outOfTurn;
        for (uint256 i; i < keeperAddrs.length; ++i) {
            if (keeperAddrs[i] != scheduled && keeperAddrs[i] != previous) outOfTurn = keeperAddrs[i];
        }
        report.executor = outOfTurn;
        bytes[] memory signatures = _signatures(report, 3);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketNotScheduledExecutor.selector, outOfTurn, scheduled)
        );
        market.submitReport(report, signatures);
        // In its own turn the same keeper executes normally.
        _warpToTurnOf(requestId, outOfTurn);
        market.submitReport(report, _signatures(report, 3));
        assertEq(market.getRequest(requestId).executor, outOfTurn);
    }

    /// @dev The requester and one co-signer equivocate on purpose after the deadline to void a delivered answer:
    /// the requester would be refunded, the honest executor never paid. Now the request stays reportable for the
    /// reopen grace, nobody is rewarded, and the honest keepers are paid.
    function test_attack_lateChallengeCannotRefundDeliveredAnswer() public {
        uint256 requestId = _request();
        IInferenceMarket.Request memory before = market.getRequest(requestId);
        vm.warp(before.deadline - 30 minutes); // the report lands late, its window runs past the deadline
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        market.submitReport(report, _signatures(report, 2)); // keepers 0 and 1
        vm.warp(before.deadline + 1);

        // Keeper 1 colludes: it signs a conflicting report, which the requester uses to challenge.
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory byColluder = new bytes[](1);
        byColluder[0] = _sign(keeperKeys[1], _digest(conflicting));
        uint256 requesterBefore = open.balanceOf(requester);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperSlashed(keeperAddrs[1], KEEPER_STAKE / 2, address(0), 0);
        vm.prank(requester);
        market.challenge(requestId, conflicting, byColluder);
        assertEq(open.balanceOf(requester), requesterBefore, "no challenger reward for the requester");

        IInferenceMarket.Request memory reopened = market.getRequest(requestId);
        assertEq(reopened.round, 1);
        assertEq(reopened.deadline, uint64(block.timestamp) + REOPEN_GRACE);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketDeadlineNotReached.selector, requestId, reopened.deadline)
        );
        market.refund(requestId);

        // The honest keepers answer round 1 and are paid.
        IInferenceMarket.AttributionReport memory again = _report(requestId, 1);
        market.submitReport(again, _signatures(again, 3));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        assertEq(vault.balanceOf(keeperAddrs[0]), PRICE * EXECUTOR_BPS / 10_000);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Finalized));
    }

    /// @dev A keeper that signed the accepted report challenges with its own conflicting report: it is slashed and
    /// earns nothing back.
    function test_attack_signerChallengingItsOwnReportEarnsNoReward() public {
        (uint256 requestId,) = _reported(1);
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory byKeeper1 = new bytes[](1);
        byKeeper1[0] = _sign(keeperKeys[1], _digest(conflicting));
        // Keeper 0 signed the accepted report only; as challenger it still gets no reward (it is a signer).
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperSlashed(keeperAddrs[1], KEEPER_STAKE / 2, address(0), 0);
        vm.prank(keeperAddrs[0]);
        market.challenge(requestId, conflicting, byKeeper1);
    }

    /// @dev A model owner lists its model on many empty datanets of its own to take the unattributed data share
    /// (before: split equally over the model's datanets, 31/32 of it). Now the share follows attributed weight.
    function test_attack_emptyDatanetsCaptureNoUnattributedShare() public {
        address greedy = makeAddr("greedyDeveloper");
        uint256[] memory ids = new uint256[](32);
        ids[0] = datanetId;
        vm.prank(greedy);
        datanets.requestAccess(datanetId);
        vm.prank(datanetOwner);
        datanets.approveAccess(datanetId, greedy);
        for (uint256 i = 1; i < 32; ++i) {
            vm.prank(greedy);
            ids[i] = datanets.createDatanet(
                IDatanetRegistry.DatanetConfig({
                    metadataURI: "blob://empty", contributionBond: 0, accessFee: 0, reviewTimeout: 1 days
                }),
                new address[](0)
            );
        }
        vm.prank(greedy);
        uint256 model = models.registerModel(
            IModelRegistry.ModelParams({
                baseModelId: "tiny-llama",
                adapterHash: keccak256("greedy adapter"),
                adapterURI: "blob://adapter",
                manifestRoot: bytes32(uint256(1)),
                datanetIds: ids,
                pricePerRequest: PRICE,
                metadataURI: "blob://model"
            })
        );
        uint256 requestId = _request(model);
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(accepted[0], 5000));
        market.submitReport(report, _signatures(report, 2));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);

        uint256 dataShare = PRICE * DATA_BPS / 10_000;
        // The datanet the answer drew on gets all of the unattributed half; the empty ones get nothing.
        assertEq(vault.balanceOf(datanetOwner), dataShare / 2);
        assertEq(vault.balanceOf(greedy), PRICE * MODEL_BPS / 10_000);
    }

    /// @dev With nothing attributed there is no datanet the answer drew on: the data share is the treasury's.
    function test_attack_unattributedAnswerPaysNoDatanetOwner() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, new IInferenceMarket.Attribution[](0));
        market.submitReport(report, _signatures(report, 2));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        assertEq(vault.balanceOf(datanetOwner), 0);
        assertEq(
            vault.balanceOf(treasury), PRICE * PROTOCOL_BPS / 10_000 + PRICE * DATA_BPS / 10_000, "protocol + data"
        );
    }

    /// @dev Governance changes the fee split while requests are escrowed; they settle with the split they were
    /// made under.
    function test_attack_governanceCannotRepriceEscrowedRequests() public {
        uint256 requestId = _request();
        vm.prank(governance);
        market.setFeeSplit(2000, 0, 0);
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        market.submitReport(report, _signatures(report, 2));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        assertEq(vault.balanceOf(keeperAddrs[0]), PRICE * EXECUTOR_BPS / 10_000);
        assertEq(vault.balanceOf(developer), PRICE * MODEL_BPS / 10_000);
        // A request made now uses the new split.
        assertEq(market.getRequest(_request()).protocolFeeBps, 2000);
    }

    /// @dev A colluding quorum reports many wrong answers at once: fees awaiting settlement may never exceed the
    /// share of bonded stake that a dispute can slash.
    function test_attack_feesAwaitingSettlementBoundedByStake() public {
        vm.prank(governance);
        market.setSchedule(EXECUTOR_TURN, REOPEN_GRACE, 5000); // half the bonded stake
        uint256 capacity = keepers.activeStake() / 2;
        vm.prank(developer);
        models.setPrice(modelId, capacity / 2);
        (uint256 first,) = _reported(1);
        (uint256 second,) = _reported(1);
        uint256 third = _request();
        IInferenceMarket.AttributionReport memory report = _report(third, 1);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketStakeCapacityExceeded.selector, capacity / 2, capacity, capacity
            )
        );
        market.submitReport(report, signatures);
        // Settling frees capacity.
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (first, second);
        market.finalize(ids);
        assertEq(market.reportedFees(), 0);
        report = _report(third, 1);
        market.submitReport(report, _signatures(report, 2));
        assertEq(market.reportedFees(), capacity / 2);
    }

    /// @dev The scheduled executor gathers an honest co-signature and withholds the report past its turn. The next
    /// scheduled signer submits the very same signed answer in its own name: the executor is not part of what
    /// keepers sign, so there is no second report to sign, nothing for an accomplice to present as equivocation,
    /// and no round left without a report to refund a delivered answer.
    function test_attack_withheldReportCannotTrapHonestCoSigners() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory withheld = _report(requestId, 1);
        bytes[] memory signatures = _signatures(withheld, 3);
        address withholder = withheld.executor;
        // Two turns later the withholder's turn (and its grace) are gone.
        vm.warp(block.timestamp + 2 * EXECUTOR_TURN);
        (address next,,) = market.scheduledExecutor(requestId);
        assertTrue(next != withholder);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketNotScheduledExecutor.selector, withholder, next));
        market.submitReport(withheld, signatures);

        IInferenceMarket.AttributionReport memory delivered = withheld;
        delivered.executor = next;
        assertEq(market.hashReport(delivered), market.hashReport(withheld), "the executor is not signed");
        market.submitReport(delivered, signatures);
        assertEq(market.getRequest(requestId).executor, next);

        // The withheld copy is the same report: it proves nothing against anyone.
        bytes32 digest = market.hashReport(withheld);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketSameReport.selector, requestId, digest));
        market.challenge(requestId, withheld, signatures);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        assertEq(vault.balanceOf(next), PRICE * EXECUTOR_BPS / 10_000);
    }

    /// @dev A griefer requests a composite (which keepers decline) priced at the whole settlement capacity: the
    /// decline refunds it in full, so counting it against the capacity would block every honest report for a
    /// window at no cost. Declines do not count.
    function test_attack_freeDeclinesCannotFillStakeCapacity() public {
        vm.prank(governance);
        market.setSchedule(EXECUTOR_TURN, REOPEN_GRACE, 5000);
        uint256 capacity = keepers.activeStake() * 5000 / 10_000;
        address griefer = makeAddr("griefer");
        uint256 own = _registerModel(griefer, datanetId, 1 ether);
        uint256[] memory partIds = new uint256[](2);
        (partIds[0], partIds[1]) = (modelId, own);
        uint256[] memory weights = new uint256[](2);
        (weights[0], weights[1]) = (5000, 5000);
        vm.prank(griefer);
        uint256 composite = models.registerComposite(
            IModelRegistry.CompositeParams({
                partIds: partIds, weightsBps: weights, pricePerRequest: capacity, metadataURI: "blob://c"
            })
        );
        _fund(griefer, capacity, address(market));
        vm.prank(griefer);
        uint256 grief = market.requestInference(composite, keccak256("x"), "blob://x", type(uint256).max);
        IInferenceMarket.AttributionReport memory decline = _report(grief, new IInferenceMarket.Attribution[](0));
        decline.outputHash = bytes32(0);
        decline.outputURI = "unanswerable:model is a composite";
        market.submitReport(decline, _signatures(decline, 2));
        assertEq(market.reportedFees(), 0);

        uint256 honest = _request();
        IInferenceMarket.AttributionReport memory report = _report(honest, 1);
        market.submitReport(report, _signatures(report, 2));
        assertEq(market.reportedFees(), PRICE);
    }

    /// @dev 4,000 OPEN split over four minimum-stake accounts (40 % of the active stake) would, with turns rotating
    /// over accounts, execute 4 of 7 requests first. Turns are drawn by stake: about 40 %.
    function test_attack_splittingStakeEarnsNoMoreExecutorTurns() public {
        address[] memory sybils = new address[](4);
        for (uint256 i; i < 4; ++i) {
            sybils[i] = makeAddr(string.concat("splitSybil", vm.toString(i)));
            _fund(sybils[i], MIN_STAKE, address(keepers));
            vm.prank(sybils[i]);
            keepers.stake(MIN_STAKE);
        }
        uint256 requests = 2000;
        uint256 first;
        for (uint256 id = 1; id <= requests; ++id) {
            address executor = market.executorAt(id, 0, 0);
            for (uint256 j; j < 4; ++j) {
                if (executor == sybils[j]) ++first;
            }
        }
        assertApproxEqAbs(first * 100 / requests, 40, 4);
    }
}
