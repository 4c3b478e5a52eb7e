// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {InferenceMarket} from "../contracts/InferenceMarket.sol";
import {IDatanetRegistry} from "../contracts/interfaces/IDatanetRegistry.sol";
import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {IKeeperRegistry} from "../contracts/interfaces/IKeeperRegistry.sol";
import {IModelRegistry} from "../contracts/interfaces/IModelRegistry.sol";
import {ProtocolFixture} from "./utils/ProtocolFixture.sol";

contract InferenceMarketTest is ProtocolFixture {
    // ─── Construction ─────────────────────────────────────────────────────────

    function test_constructor_setsWiringAndParameters() public view {
        IInferenceMarket.Wiring memory w = market.wiring();
        assertEq(w.token, address(open));
        assertEq(w.datanetRegistry, address(datanets));
        assertEq(w.modelRegistry, address(models));
        assertEq(w.keeperRegistry, address(keepers));
        assertEq(w.rewardVault, address(vault));
        assertEq(w.contributionVotes, address(votes));
        IInferenceMarket.Parameters memory p = market.parameters();
        assertEq(p.challengeWindow, CHALLENGE_WINDOW);
        assertEq(p.requestTimeout, REQUEST_TIMEOUT);
        assertEq(p.maxAttributions, 32);
        assertEq(p.protocolFeeBps, PROTOCOL_BPS);
        assertEq(p.executorFeeBps, EXECUTOR_BPS);
        assertEq(p.modelFeeBps, MODEL_BPS);
        assertEq(market.treasury(), treasury);
        assertEq(market.owner(), governance);
        assertEq(open.allowance(address(market), address(vault)), type(uint256).max);
    }

    function test_RevertWhen_constructorGetsZeroAddress() public {
        IInferenceMarket.Wiring memory w = _wiring();
        w.rewardVault = address(0);
        vm.expectRevert(IInferenceMarket.MarketZeroAddress.selector);
        new InferenceMarket(w, governance, treasury, _parameters());
    }

    function test_RevertWhen_constructorChallengeWindowNotBelowUnbondingDelay() public {
        IInferenceMarket.Parameters memory p = _parameters();
        p.challengeWindow = UNBONDING_DELAY;
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketChallengeWindowOutOfBounds.selector, UNBONDING_DELAY, UNBONDING_DELAY
            )
        );
        new InferenceMarket(_wiring(), governance, treasury, p);
    }

    // ─── requestInference ─────────────────────────────────────────────────────

    function test_requestInference_escrowsPriceAndEmits() public {
        uint256 before = open.balanceOf(requester);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceRequested(
            1, requester, modelId, keccak256("input"), "blob://input", PRICE, uint64(block.timestamp) + REQUEST_TIMEOUT
        );
        vm.prank(requester);
        uint256 requestId = market.requestInference(modelId, keccak256("input"), "blob://input", PRICE);
        assertEq(requestId, 1);
        assertEq(market.requestCount(), 1);
        assertEq(open.balanceOf(requester), before - PRICE);
        assertEq(open.balanceOf(address(market)), PRICE);
        assertEq(market.totalEscrowed(), PRICE);
        IInferenceMarket.Request memory r = market.getRequest(requestId);
        assertEq(r.requester, requester);
        assertEq(r.modelId, modelId);
        assertEq(r.fee, PRICE);
        assertEq(r.deadline, block.timestamp + REQUEST_TIMEOUT);
        assertEq(uint8(r.status), uint8(IInferenceMarket.RequestStatus.Open));
    }

    function test_RevertWhen_priceAboveMaxFee() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketFeeAboveMax.selector, PRICE, PRICE - 1));
        market.requestInference(modelId, keccak256("input"), "blob://input", PRICE - 1);
    }

    function test_RevertWhen_modelPaused() public {
        vm.prank(developer);
        models.pause(modelId);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketModelNotRequestable.selector, modelId));
        market.requestInference(modelId, keccak256("input"), "blob://input", PRICE);
    }

    function test_RevertWhen_modelUnknown() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketModelNotRequestable.selector, 99));
        market.requestInference(99, keccak256("input"), "blob://input", PRICE);
    }

    function test_RevertWhen_inputHashZero() public {
        vm.prank(requester);
        vm.expectRevert(IInferenceMarket.MarketZeroInputHash.selector);
        market.requestInference(modelId, bytes32(0), "blob://input", PRICE);
    }

    function test_requestInferenceWithPermit_pullsWithoutPriorApproval() public {
        (address payer, uint256 key) = makeAddrAndKey("payer");
        assertTrue(open.transfer(payer, 100 ether));
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                payer,
                address(market),
                PRICE,
                open.nonces(payer),
                deadline
            )
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash)));
        vm.prank(payer);
        uint256 requestId =
            market.requestInferenceWithPermit(modelId, keccak256("input"), "blob://input", PRICE, deadline, v, r, s);
        assertEq(market.getRequest(requestId).requester, payer);
        assertEq(open.balanceOf(payer), 100 ether - PRICE);
        // A replayed (already used) permit is ignored; the allowance it left is spent, so the pull fails.
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, PRICE)
        );
        market.requestInferenceWithPermit(modelId, keccak256("input"), "blob://input", PRICE, deadline, v, r, s);
    }

    function test_requestInferenceWithPermit_survivesFrontRunPermit() public {
        (address payer, uint256 key) = makeAddrAndKey("payer");
        assertTrue(open.transfer(payer, 100 ether));
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                payer,
                address(market),
                PRICE,
                open.nonces(payer),
                deadline
            )
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash)));
        // Someone copies the permit from the mempool and submits it first.
        vm.prank(makeAddr("frontRunner"));
        open.permit(payer, address(market), PRICE, deadline, v, r, s);
        vm.prank(payer);
        uint256 requestId =
            market.requestInferenceWithPermit(modelId, keccak256("input"), "blob://input", PRICE, deadline, v, r, s);
        assertEq(market.getRequest(requestId).requester, payer);
        assertEq(open.balanceOf(payer), 100 ether - PRICE);
    }

    function test_requestInference_compositeEscrowsCompositePrice() public {
        uint256 second = _registerModel(developer, datanetId, 3 ether);
        uint256 composite = _composite(modelId, second, 20 ether);
        uint256 requestId = _request(composite);
        assertEq(market.getRequest(requestId).fee, 20 ether);
    }

    // ─── submitReport ─────────────────────────────────────────────────────────

    function test_submitReport_recordsReport() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 3);
        bytes[] memory signatures = _signatures(report, 2);
        address[] memory signers = new address[](2);
        (signers[0], signers[1]) = (keeperAddrs[0], keeperAddrs[1]);
        bytes32 digest = _digest(report);
        uint64 challengeEndsAt = uint64(block.timestamp) + CHALLENGE_WINDOW;

        vm.expectEmit(address(market));
        emit IInferenceMarket.ReportSubmitted(requestId, digest, keeperAddrs[0], report, signers, challengeEndsAt);
        assertEq(market.submitReport(report, signatures), digest);

        IInferenceMarket.Request memory r = market.getRequest(requestId);
        assertEq(uint8(r.status), uint8(IInferenceMarket.RequestStatus.Reported));
        assertEq(r.executor, keeperAddrs[0]);
        assertEq(r.challengeEndsAt, challengeEndsAt);
        assertEq(r.reportDigest, digest);
        assertEq(market.reportSigners(requestId), signers);
        IInferenceMarket.RecordedAttribution[] memory recorded = market.reportAttributions(requestId);
        assertEq(recorded.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(recorded[i].contributionId, accepted[i]);
            assertEq(recorded[i].weightBps, 2500);
            assertEq(recorded[i].payee, contributor);
        }
    }

    function test_submitReport_acceptsAllThreeKeepersAndNoAttributions() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 0);
        market.submitReport(report, _signatures(report, 3));
        assertEq(market.reportSigners(requestId).length, 3);
    }

    function test_RevertWhen_belowQuorum() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        bytes[] memory signatures = _signatures(report, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketBelowQuorum.selector, 1, 2));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_signatureMalformed() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        bytes[] memory signatures = _signatures(report, 2);
        signatures[1] = bytes.concat(signatures[1], hex"00");
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketInvalidSignature.selector, 1));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_signatureOverOtherReport() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        bytes[] memory signatures = _signatures(report, 2);
        report.outputHash = keccak256("tampered");
        // The first signature recovers to an unrelated address, which is no keeper.
        address unrelated = ECDSA.recover(_digest(report), signatures[0]);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketInactiveKeeper.selector, unrelated));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_signersUnsorted() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        bytes[] memory signatures = _signatures(report, 2);
        (signatures[0], signatures[1]) = (signatures[1], signatures[0]);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketSignersNotAscending.selector, 1, keeperAddrs[0]));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_signerDuplicated() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        bytes[] memory signatures = _signatures(report, 2);
        signatures[1] = signatures[0];
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketSignersNotAscending.selector, 1, keeperAddrs[0]));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_signerNotKeeper() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        (address outsider, uint256 key) = makeAddrAndKey("outsider");
        bytes[] memory signatures = new bytes[](2);
        // Order the pair by address so that only the membership check can fail.
        (uint256 first, uint256 second) = outsider < keeperAddrs[0] ? (key, keeperKeys[0]) : (keeperKeys[0], key);
        signatures[0] = _sign(first, _digest(report));
        signatures[1] = _sign(second, _digest(report));
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketInactiveKeeper.selector, outsider));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_signerUnbonding() public {
        vm.prank(keeperAddrs[1]);
        keepers.requestUnbond();
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketInactiveKeeper.selector, keeperAddrs[1]));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_executorDidNotSign() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        // At keeper 2's turn, keepers 0 and 1 name it executor without its signature.
        _warpToTurnOf(requestId, keeperAddrs[2]);
        report.executor = keeperAddrs[2];
        bytes[] memory signatures = new bytes[](2);
        signatures[0] = _sign(keeperKeys[0], _digest(report));
        signatures[1] = _sign(keeperKeys[1], _digest(report));
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketExecutorNotSigner.selector, keeperAddrs[2]));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_weightsExceedTotal() public {
        uint256 requestId = _request();
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](2);
        attributions[0] = IInferenceMarket.Attribution(accepted[0], 6000);
        attributions[1] = IInferenceMarket.Attribution(accepted[1], 4001);
        IInferenceMarket.AttributionReport memory report = _report(requestId, attributions);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketWeightsExceedTotal.selector, 10_001));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_tooManyAttributions() public {
        vm.prank(governance);
        market.setMaxAttributions(2);
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 3);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketTooManyAttributions.selector, 3, 2));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_attributionsUnsorted() public {
        uint256 requestId = _request();
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](2);
        attributions[0] = IInferenceMarket.Attribution(accepted[1], 100);
        attributions[1] = IInferenceMarket.Attribution(accepted[0], 100);
        IInferenceMarket.AttributionReport memory report = _report(requestId, attributions);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketAttributionsNotAscending.selector, 1, accepted[0])
        );
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_attributionDuplicated() public {
        uint256 requestId = _request();
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](2);
        attributions[0] = IInferenceMarket.Attribution(accepted[0], 100);
        attributions[1] = IInferenceMarket.Attribution(accepted[0], 100);
        IInferenceMarket.AttributionReport memory report = _report(requestId, attributions);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketAttributionsNotAscending.selector, 1, accepted[0])
        );
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_attributionWeightZero() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(accepted[0], 0));
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketZeroWeight.selector, accepted[0]));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_contributionRejected() public {
        uint256 rejected = _contribution(datanetId);
        vm.prank(datanetOwner);
        datanets.rejectContribution(rejected);
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(rejected, 100));
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketContributionNotAccepted.selector,
                rejected,
                IDatanetRegistry.ContributionStatus.Rejected
            )
        );
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_contributionPending() public {
        uint256 pending = _contribution(datanetId);
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(pending, 100));
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketContributionNotAccepted.selector,
                pending,
                IDatanetRegistry.ContributionStatus.Pending
            )
        );
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_contributionFromForeignDatanet() public {
        uint256 foreign = _acceptedContribution(otherDatanetId);
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(foreign, 100));
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketContributionNotInModel.selector, foreign, otherDatanetId, modelId
            )
        );
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_contributionUnknown() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(999, 100));
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownContribution.selector, 999));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_reportNamesOtherModel() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        report.modelId = modelId + 1;
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketModelMismatch.selector, requestId, modelId, modelId + 1)
        );
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_reportAfterDeadline() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        bytes[] memory signatures = _signatures(report, 2);
        uint64 deadline = market.getRequest(requestId).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketRequestExpired.selector, requestId, deadline));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_requestAlreadyReported() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory report) = _reported(1);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketRequestNotOpen.selector, requestId, IInferenceMarket.RequestStatus.Reported
            )
        );
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_requestUnknown() public {
        IInferenceMarket.AttributionReport memory report = IInferenceMarket.AttributionReport({
            requestId: 42,
            round: 0,
            modelId: modelId,
            outputHash: keccak256("output"),
            outputURI: "",
            executor: keeperAddrs[0],
            attributionVersion: 1,
            attributions: new IInferenceMarket.Attribution[](0)
        });
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketUnknownRequest.selector, 42));
        market.submitReport(report, signatures);
    }

    // ─── challenge ────────────────────────────────────────────────────────────

    function test_challenge_voidsReportSlashesEquivocatorsAndReopens() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory report) = _reported(2);
        bytes32 voided = market.getRequest(requestId).reportDigest;
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 2);
        conflicting.outputHash = keccak256("another output");
        // keeper 1 signed both; keeper 2 signed only the conflicting one.
        bytes32 digest = _digest(conflicting);
        bytes[] memory signatures = new bytes[](2);
        signatures[0] = _sign(keeperKeys[1], digest);
        signatures[1] = _sign(keeperKeys[2], digest);
        address[] memory expected = new address[](1);
        expected[0] = keeperAddrs[1];
        uint256 slashed = KEEPER_STAKE / 2; // default equivocation slash: 50 %
        uint256 treasuryBefore = open.balanceOf(treasury);

        vm.expectEmit(address(market));
        emit IInferenceMarket.ReportChallenged(requestId, challenger, voided, digest, expected);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperSlashed(keeperAddrs[1], slashed, challenger, slashed / 2);
        vm.prank(challenger);
        address[] memory result = market.challenge(requestId, conflicting, signatures);

        assertEq(result, expected);
        assertEq(keepers.stakeOf(keeperAddrs[1]), KEEPER_STAKE - slashed);
        assertEq(keepers.stakeOf(keeperAddrs[0]), KEEPER_STAKE);
        assertEq(keepers.stakeOf(keeperAddrs[2]), KEEPER_STAKE);
        assertEq(open.balanceOf(challenger), slashed / 2);
        assertEq(open.balanceOf(treasury), treasuryBefore + slashed - slashed / 2);
        IInferenceMarket.Request memory r = market.getRequest(requestId);
        assertEq(uint8(r.status), uint8(IInferenceMarket.RequestStatus.Open));
        assertEq(r.reportDigest, bytes32(0));
        assertEq(r.executor, address(0));
        assertEq(market.reportSigners(requestId).length, 0);
        assertEq(market.reportAttributions(requestId).length, 0);
        assertEq(market.totalEscrowed(), PRICE);

        assertEq(r.round, 1);
        assertEq(r.openedAt, block.timestamp);
        assertGe(r.deadline, uint64(block.timestamp) + REOPEN_GRACE);

        // The request can be reported again in round 1 (here by keepers 0 and 2).
        report = _report(requestId, 2);
        assertEq(report.round, 1);
        bytes32 digestAgain = _digest(report);
        bytes[] memory again = new bytes[](2);
        again[0] = _sign(keeperKeys[0], digestAgain);
        again[1] = _sign(keeperKeys[2], digestAgain);
        market.submitReport(report, again);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Reported));
    }

    function test_challenge_slashesEveryKeeperThatSignedBoth() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        market.submitReport(report, _signatures(report, 3));
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 2);
        address[] memory expected = new address[](2);
        (expected[0], expected[1]) = (keeperAddrs[0], keeperAddrs[2]);
        bytes[] memory signatures = new bytes[](2);
        signatures[0] = _sign(keeperKeys[0], _digest(conflicting));
        signatures[1] = _sign(keeperKeys[2], _digest(conflicting));
        vm.prank(challenger);
        assertEq(market.challenge(requestId, conflicting, signatures), expected);
        assertEq(keepers.stakeOf(keeperAddrs[0]), KEEPER_STAKE / 2);
        assertEq(keepers.stakeOf(keeperAddrs[1]), KEEPER_STAKE);
        assertEq(keepers.stakeOf(keeperAddrs[2]), KEEPER_STAKE / 2);
        assertEq(open.balanceOf(challenger), KEEPER_STAKE / 2);
    }

    function test_challenge_byEquivocatorEarnsNoReward() public {
        (uint256 requestId,) = _reported(1);
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = _sign(keeperKeys[0], _digest(conflicting));
        uint256 treasuryBefore = open.balanceOf(treasury);
        vm.prank(keeperAddrs[0]);
        market.challenge(requestId, conflicting, signatures);
        assertEq(open.balanceOf(keeperAddrs[0]), 0);
        assertEq(open.balanceOf(treasury), treasuryBefore + KEEPER_STAKE / 2);
    }

    function test_refund_byAnyonePaysRequester() public {
        uint256 requestId = _request();
        uint256 before = open.balanceOf(requester);
        vm.warp(market.getRequest(requestId).deadline + 1);
        vm.prank(challenger);
        market.refund(requestId);
        assertEq(open.balanceOf(requester), before + PRICE);
        assertEq(open.balanceOf(challenger), 0);
    }

    function test_challenge_slashesUnbondingKeeperInsideWindow() public {
        (uint256 requestId,) = _reported(1);
        vm.prank(keeperAddrs[0]);
        keepers.requestUnbond();
        vm.warp(block.timestamp + CHALLENGE_WINDOW - 1);
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = _sign(keeperKeys[0], _digest(conflicting));
        vm.prank(challenger);
        market.challenge(requestId, conflicting, signatures);
        assertEq(keepers.stakeOf(keeperAddrs[0]), KEEPER_STAKE / 2);
        // The slashed keeper still cannot withdraw before its unbonding delay.
        (, uint64 endsAt) = keepers.keeperInfo(keeperAddrs[0]);
        vm.prank(keeperAddrs[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IKeeperRegistry.KeeperUnbondingNotElapsed.selector, keeperAddrs[0], endsAt)
        );
        keepers.withdraw();
    }

    function test_RevertWhen_voidedReportReplayedAgainstHonestKeepers() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory first) = _reported(2);
        bytes[] memory firstSigs = _signatures(first, 2);
        // A keeper that signed the accepted report also signed a conflicting one: the report is voided.
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 2);
        conflicting.outputHash = keccak256("another output");
        uint256 culprit = _keeperIndex(first.executor);
        bytes[] memory conflictingSigs = new bytes[](1);
        conflictingSigs[0] = _sign(keeperKeys[culprit], _digest(conflicting));
        vm.prank(challenger);
        market.challenge(requestId, conflicting, conflictingSigs);
        assertEq(market.getRequest(requestId).round, 1);

        // Anyone may try to put the voided report (its signatures are public) back ahead of the honest keepers'
        // fresh report, to use the fresh one as "equivocation" evidence: the round forbids it.
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketWrongRound.selector, requestId, 1, 0));
        market.submitReport(first, firstSigs);

        // The honest keepers report round 1; the old signatures prove nothing against it.
        IInferenceMarket.AttributionReport memory retry = _report(requestId, 2);
        retry.outputHash = keccak256("retried output");
        market.submitReport(retry, _signatures(retry, 3));
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketWrongRound.selector, requestId, 1, 0));
        vm.prank(challenger);
        market.challenge(requestId, first, firstSigs);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Reported));
    }

    function test_challenge_equivocationInNextRoundStaysPunishable() public {
        (uint256 requestId,) = _reported(2);
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 2);
        conflicting.outputHash = keccak256("another output");
        bytes[] memory byKeeper1 = new bytes[](1);
        byKeeper1[0] = _sign(keeperKeys[1], _digest(conflicting));
        vm.prank(challenger);
        market.challenge(requestId, conflicting, byKeeper1);
        uint256 stakeAfterFirst = keepers.stakeOf(keeperAddrs[1]);

        // Round 1 is reported by all three; keeper 1 equivocates again and is slashed again.
        IInferenceMarket.AttributionReport memory again = _report(requestId, 2);
        market.submitReport(again, _signatures(again, 3));
        IInferenceMarket.AttributionReport memory fresh = _report(requestId, 2);
        fresh.outputHash = keccak256("yet another output");
        byKeeper1[0] = _sign(keeperKeys[1], _digest(fresh));
        vm.prank(challenger);
        address[] memory slashed = market.challenge(requestId, fresh, byKeeper1);
        assertEq(slashed.length, 1);
        assertEq(slashed[0], keeperAddrs[1]);
        assertLt(keepers.stakeOf(keeperAddrs[1]), stakeAfterFirst);
        assertEq(market.getRequest(requestId).round, 2);
    }

    function test_RevertWhen_challengeWithoutOverlap() public {
        (uint256 requestId,) = _reported(1);
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = _sign(keeperKeys[2], _digest(conflicting));
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketNoEquivocation.selector, requestId));
        market.challenge(requestId, conflicting, signatures);
    }

    function test_RevertWhen_challengeWithSameReport() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory report) = _reported(1);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketSameReport.selector, requestId, _digest(report)));
        market.challenge(requestId, report, signatures);
    }

    function test_RevertWhen_challengeForOtherRequest() public {
        (uint256 requestId,) = _reported(1);
        uint256 other = _request();
        IInferenceMarket.AttributionReport memory conflicting = _report(other, 0);
        bytes[] memory signatures = _signatures(conflicting, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketReportRequestMismatch.selector, requestId, other));
        market.challenge(requestId, conflicting, signatures);
    }

    function test_RevertWhen_challengeAfterWindow() public {
        (uint256 requestId,) = _reported(1);
        uint64 endsAt = market.getRequest(requestId).challengeEndsAt;
        vm.warp(endsAt);
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory signatures = _signatures(conflicting, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketChallengeWindowClosed.selector, requestId, endsAt)
        );
        market.challenge(requestId, conflicting, signatures);
    }

    function test_RevertWhen_challengeOpenRequest() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory signatures = _signatures(conflicting, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketRequestNotReported.selector, requestId, IInferenceMarket.RequestStatus.Open
            )
        );
        market.challenge(requestId, conflicting, signatures);
    }

    function test_RevertWhen_challengeSignersUnsorted() public {
        (uint256 requestId,) = _reported(1);
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory signatures = _signatures(conflicting, 2);
        (signatures[0], signatures[1]) = (signatures[1], signatures[0]);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketSignersNotAscending.selector, 1, keeperAddrs[0]));
        market.challenge(requestId, conflicting, signatures);
    }

    // ─── finalize ─────────────────────────────────────────────────────────────

    function test_finalize_splitsFeeAndMintsVotes() public {
        uint256 requestId = _request();
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](2);
        attributions[0] = IInferenceMarket.Attribution(accepted[0], 5000);
        attributions[1] = IInferenceMarket.Attribution(accepted[1], 3000);
        _submit(_report(requestId, attributions));
        address newPayee = makeAddr("newPayee");
        // Payees are recorded when the report is accepted; a later change applies to later reports.
        vm.prank(contributor);
        datanets.setPayee(accepted[0], newPayee);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);

        uint256 executorAmount = PRICE * EXECUTOR_BPS / 10_000; // 1.5
        uint256 modelAmount = PRICE * MODEL_BPS / 10_000; // 4
        uint256 dataShare = PRICE * DATA_BPS / 10_000; // 4
        uint256 first = dataShare * 5000 / 10_000; // 2
        uint256 second = dataShare * 3000 / 10_000; // 1.2
        uint256 unattributed = dataShare * 2000 / 10_000; // 0.8
        uint256 treasuryAmount = PRICE - executorAmount - modelAmount - first - second - unattributed;
        assertEq(treasuryAmount, PRICE * PROTOCOL_BPS / 10_000);

        vm.expectEmit(address(market));
        emit IInferenceMarket.ModelRevenuePaid(requestId, modelId, developer, modelAmount);
        vm.expectEmit(address(market));
        emit IInferenceMarket.AttributionPaid(requestId, accepted[0], contributor, first);
        vm.expectEmit(address(market));
        emit IInferenceMarket.AttributionPaid(requestId, accepted[1], contributor, second);
        vm.expectEmit(address(market));
        emit IInferenceMarket.DatanetRemainderPaid(requestId, datanetId, datanetOwner, unattributed);
        vm.expectEmit(address(market));
        emit IInferenceMarket.RequestFinalized(
            requestId,
            modelId,
            keeperAddrs[0],
            PRICE,
            treasuryAmount,
            executorAmount,
            modelAmount,
            first + second,
            unattributed
        );
        _finalizeOne(requestId);

        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Finalized));
        assertEq(vault.balanceOf(developer), modelAmount);
        assertEq(vault.balanceOf(contributor), first + second);
        assertEq(vault.balanceOf(newPayee), 0);
        assertEq(vault.balanceOf(datanetOwner), unattributed);
        assertEq(vault.balanceOf(keeperAddrs[0]), executorAmount);
        assertEq(vault.balanceOf(treasury), treasuryAmount);
        assertEq(vault.totalOutstanding(), PRICE);
        assertEq(open.balanceOf(address(vault)), PRICE);
        assertEq(open.balanceOf(address(market)), 0);
        assertEq(market.totalEscrowed(), 0);
        // Votes for value created: contributors and model owners, not keepers, datanet owners or the treasury; in
        // total no more than the protocol share, the part of the fee that left the payer for good.
        assertEq(votes.balanceOf(developer), _votesFor(modelAmount));
        assertEq(votes.balanceOf(contributor), _votesFor(first) + _votesFor(second));
        assertEq(votes.getVotes(contributor), _votesFor(first) + _votesFor(second));
        assertLe(votes.totalSupply(), treasuryAmount);
        assertEq(votes.balanceOf(keeperAddrs[0]), 0);
        assertEq(votes.balanceOf(datanetOwner), 0);
        assertEq(votes.balanceOf(treasury), 0);
    }

    function test_finalize_compositeSplitsModelShareByPartWeight() public {
        address otherDeveloper = makeAddr("otherDeveloper");
        uint256 second = _registerModel(otherDeveloper, datanetId, 3 ether);
        // Parts priced 10 and 3 OPEN at weights 70% / 30%: 20 OPEN gives them 14 and 6, at least their own prices.
        uint256 composite = _composite(modelId, second, 20 ether);
        uint256 requestId = _request(composite);
        _submit(_report(requestId, _attributions(accepted[0], 10_000)));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        // Model share 40% of 20 = 8 OPEN, split 70/30 between the parts' owners.
        assertEq(vault.balanceOf(developer), 5.6 ether);
        assertEq(vault.balanceOf(otherDeveloper), 2.4 ether);
        // Fully attributed: the whole data share (40%) to the contributor, nothing for the datanet owner.
        assertEq(vault.balanceOf(contributor), 8 ether);
        assertEq(vault.balanceOf(datanetOwner), 0);
        assertEq(vault.balanceOf(keeperAddrs[0]), 3 ether);
        assertEq(vault.balanceOf(treasury), 1 ether);
        assertEq(vault.totalOutstanding(), 20 ether);
    }

    function test_RevertWhen_requestCompositeAfterPartOutgrowsItsShare() public {
        uint256 second = _registerModel(developer, datanetId, 3 ether);
        uint256 composite = _composite(modelId, second, 20 ether);
        // The 30% part now costs more alone (7 OPEN) than the composite pays it (6 OPEN).
        vm.prank(developer);
        models.setPrice(second, 7 ether);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketModelNotRequestable.selector, composite));
        market.requestInference(composite, keccak256("input"), "blob://input", 20 ether);
        // Repricing the composite to cover the part makes it requestable again.
        vm.prank(developer);
        models.setPrice(composite, 25 ether);
        uint256 requestId = _request(composite);
        assertEq(market.getRequest(requestId).fee, 25 ether);
    }

    function test_finalize_paysModelShareToHolderAtSettlement() public {
        (uint256 requestId,) = _reported(1);
        // The model token changes hands while the request waits out its challenge window.
        address buyer = makeAddr("buyer");
        vm.prank(developer);
        models.transferFrom(developer, buyer, modelId);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        assertEq(vault.balanceOf(buyer), PRICE * MODEL_BPS / 10_000);
        assertEq(vault.balanceOf(developer), 0);
    }

    function test_finalize_roundingRemainderGoesToTreasury() public {
        vm.prank(developer);
        models.setPrice(modelId, 9999);
        uint256 requestId = _request();
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](3);
        attributions[0] = IInferenceMarket.Attribution(accepted[0], 3333);
        attributions[1] = IInferenceMarket.Attribution(accepted[1], 3333);
        attributions[2] = IInferenceMarket.Attribution(accepted[2], 3333);
        _submit(_report(requestId, attributions));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        uint256 total = vault.balanceOf(developer) + vault.balanceOf(contributor) + vault.balanceOf(datanetOwner)
            + vault.balanceOf(keeperAddrs[0]) + vault.balanceOf(treasury);
        assertEq(total, 9999);
        assertEq(vault.totalOutstanding(), 9999);
        assertGt(vault.balanceOf(treasury), 9999 * uint256(PROTOCOL_BPS) / 10_000);
    }

    function test_finalize_batch() public {
        uint256[] memory ids = new uint256[](5);
        for (uint256 i; i < 5; ++i) {
            (ids[i],) = _reported(2);
        }
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        market.finalize(ids);
        assertEq(vault.totalOutstanding(), 5 * PRICE);
        assertEq(market.totalEscrowed(), 0);
    }

    function test_finalize_freeModelSettlesNothing() public {
        vm.prank(developer);
        models.setPrice(modelId, 0);
        (uint256 requestId,) = _reported(1);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Finalized));
        assertEq(vault.totalOutstanding(), 0);
    }

    function test_finalize_continuesWhenVotesMintingRevoked() public {
        vm.prank(governance);
        votes.setMinter(address(market), false);
        (uint256 requestId,) = _reported(1);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectEmit(address(market));
        emit IInferenceMarket.VotesMintFailed(developer, _votesFor(PRICE * MODEL_BPS / 10_000));
        _finalizeOne(requestId);
        assertEq(vault.totalOutstanding(), PRICE);
        assertEq(votes.balanceOf(developer), 0);
    }

    function testFuzz_finalize_splitSumsToFee(
        uint256 price,
        uint16 protocolBps,
        uint16 executorBps,
        uint16 modelBps,
        uint256 count,
        uint256 weightSeed
    ) public {
        price = bound(price, 0, 50_000 ether); // within the fixture's stake capacity
        protocolBps = uint16(bound(protocolBps, 0, 2000));
        executorBps = uint16(bound(executorBps, 0, 3000));
        uint256 modelCap = 9000 - uint256(protocolBps) - executorBps;
        modelBps = uint16(bound(modelBps, 0, modelCap < 8000 ? modelCap : 8000));
        vm.prank(governance);
        market.setFeeSplit(protocolBps, executorBps, modelBps);
        vm.prank(developer);
        models.setPrice(modelId, price);

        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](bound(count, 0, 4));
        for (uint256 i; i < attributions.length; ++i) {
            uint16 weight = uint16(bound(uint256(keccak256(abi.encode(weightSeed, i))), 1, 2500));
            attributions[i] = IInferenceMarket.Attribution(accepted[i], weight);
        }
        uint256 requestId = _request();
        _submit(_report(requestId, attributions));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        _assertSplit(price, market.parameters(), attributions);
    }

    /// @dev Votes minted for `amount` earned under the fixture's split: amount * protocol / (model + data).
    function _votesFor(uint256 amount) internal pure returns (uint256) {
        return amount * PROTOCOL_BPS / (10_000 - PROTOCOL_BPS - EXECUTOR_BPS);
    }

    function _assertSplit(
        uint256 price,
        IInferenceMarket.Parameters memory p,
        IInferenceMarket.Attribution[] memory attributions
    ) internal view {
        uint256 dataShare = price * (10_000 - uint256(p.protocolFeeBps) - p.executorFeeBps - p.modelFeeBps) / 10_000;
        uint256 attributed;
        uint256 weights;
        for (uint256 i; i < attributions.length; ++i) {
            attributed += dataShare * attributions[i].weightBps / 10_000;
            weights += attributions[i].weightBps;
        }
        assertEq(vault.balanceOf(keeperAddrs[0]), price * p.executorFeeBps / 10_000);
        assertEq(vault.balanceOf(developer), price * p.modelFeeBps / 10_000);
        assertEq(vault.balanceOf(contributor), attributed);
        // The unattributed part goes to the datanets the answer drew on; with nothing attributed, to the treasury.
        uint256 unattributed = attributions.length == 0 ? 0 : dataShare * (10_000 - weights) / 10_000;
        assertEq(vault.balanceOf(datanetOwner), unattributed);
        uint256 protocolShare = price * p.protocolFeeBps / 10_000;
        // The treasury holds its share plus only the floor-division remainders (one per division at most).
        assertGe(vault.balanceOf(treasury), protocolShare);
        assertLe(
            vault.balanceOf(treasury),
            protocolShare + attributions.length + 4 + (attributions.length == 0 ? dataShare : 0)
        );
        assertEq(
            vault.balanceOf(keeperAddrs[0]) + vault.balanceOf(developer) + vault.balanceOf(contributor)
                + vault.balanceOf(datanetOwner) + vault.balanceOf(treasury),
            price
        );
        assertEq(vault.totalOutstanding(), price);
    }

    function test_RevertWhen_finalizeBeforeWindow() public {
        (uint256 requestId,) = _reported(1);
        uint64 endsAt = market.getRequest(requestId).challengeEndsAt;
        vm.warp(endsAt - 1);
        uint256[] memory ids = new uint256[](1);
        ids[0] = requestId;
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketChallengeWindowOpen.selector, requestId, endsAt));
        market.finalize(ids);
    }

    function test_RevertWhen_finalizeTwice() public {
        (uint256 requestId,) = _reported(1);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        uint256[] memory ids = new uint256[](1);
        ids[0] = requestId;
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketRequestNotReported.selector, requestId, IInferenceMarket.RequestStatus.Finalized
            )
        );
        market.finalize(ids);
    }

    function test_finalize_duplicateInBatchSettlesOnce() public {
        (uint256 requestId,) = _reported(1);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (requestId, requestId);
        vm.expectEmit(address(market));
        emit IInferenceMarket.FinalizeSkipped(
            requestId, IInferenceMarket.RequestStatus.Finalized, uint64(block.timestamp)
        );
        assertEq(market.finalize(ids), 1);
        assertEq(vault.totalOutstanding(), PRICE);
    }

    function test_finalize_skipsWhatCannotBeFinalized() public {
        (uint256 settled,) = _reported(1);
        (uint256 ready,) = _reported(1);
        uint256 open_ = _request();
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        (uint256 young,) = _reported(1);
        uint64 youngEndsAt = market.getRequest(young).challengeEndsAt;
        uint64 settledEndsAt = market.getRequest(settled).challengeEndsAt;
        _finalizeOne(settled);
        uint256[] memory ids = new uint256[](5);
        (ids[0], ids[1], ids[2], ids[3], ids[4]) = (settled, ready, open_, 999, young);
        vm.expectEmit(address(market));
        emit IInferenceMarket.FinalizeSkipped(settled, IInferenceMarket.RequestStatus.Finalized, settledEndsAt);
        vm.expectEmit(address(market));
        emit IInferenceMarket.FinalizeSkipped(open_, IInferenceMarket.RequestStatus.Open, 0);
        vm.expectEmit(address(market));
        emit IInferenceMarket.FinalizeSkipped(999, IInferenceMarket.RequestStatus.None, 0);
        vm.expectEmit(address(market));
        emit IInferenceMarket.FinalizeSkipped(young, IInferenceMarket.RequestStatus.Reported, youngEndsAt);
        // Someone finalizing one id of a keeper's batch first cannot make the rest of the batch fail.
        assertEq(market.finalize(ids), 1);
        assertEq(uint8(market.getRequest(ready).status), uint8(IInferenceMarket.RequestStatus.Finalized));
        assertEq(uint8(market.getRequest(young).status), uint8(IInferenceMarket.RequestStatus.Reported));
        assertEq(market.totalEscrowed(), 2 * PRICE);
        assertEq(vault.totalOutstanding(), 2 * PRICE);
    }

    /// @dev A caller choosing the gas limit could try to make the last votes mint run out of gas inside its
    /// `try` while the settlement still succeeds. With gas limits rising from the smallest that settles, the call
    /// either reverts or mints every vote.
    function test_finalize_gasLimitCannotWithholdVotes() public {
        (uint256 requestId,) = _reported(1);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        uint256[] memory ids = new uint256[](1);
        ids[0] = requestId;
        bytes memory call = abi.encodeCall(market.finalize, (ids));
        uint256 snapshot = vm.snapshotState();
        uint256 low = 100_000;
        uint256 high = 2_000_000;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            vm.revertToState(snapshot);
            (bool settled,) = address(market).call{gas: mid}(call);
            if (settled) high = mid;
            else low = mid + 1;
        }
        for (uint256 gasLimit = low; gasLimit < low + 64; ++gasLimit) {
            vm.revertToState(snapshot);
            (bool settled,) = address(market).call{gas: gasLimit}(call);
            assertTrue(settled);
            assertEq(votes.balanceOf(developer), _votesFor(PRICE * MODEL_BPS / 10_000), "developer votes withheld");
            assertEq(
                votes.balanceOf(contributor), _votesFor(PRICE * DATA_BPS / 10_000 / 2), "contributor votes withheld"
            );
        }
    }

    function test_RevertWhen_finalizeUnreported() public {
        uint256 requestId = _request();
        uint256[] memory ids = new uint256[](1);
        ids[0] = requestId;
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketRequestNotReported.selector, requestId, IInferenceMarket.RequestStatus.Open
            )
        );
        market.finalize(ids);
    }

    function test_RevertWhen_finalizeEmptyBatch() public {
        vm.expectRevert(IInferenceMarket.MarketEmptyBatch.selector);
        market.finalize(new uint256[](0));
    }

    // ─── decline ──────────────────────────────────────────────────────────────

    function _decline(uint256 requestId) internal returns (IInferenceMarket.AttributionReport memory report) {
        report = _report(requestId, new IInferenceMarket.Attribution[](0));
        report.outputHash = bytes32(0);
        report.outputURI = "unanswerable: model 1 is a composite";
    }

    function test_decline_refundsRequesterWhenFinalized() public {
        uint256 requestId = _request();
        uint256 before = open.balanceOf(requester);
        _submit(_decline(requestId));
        assertTrue(market.getRequest(requestId).declined);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Reported));

        vm.warp(market.getRequest(requestId).challengeEndsAt);
        vm.expectEmit(address(market));
        emit IInferenceMarket.RequestRefunded(requestId, requester, PRICE);
        _finalizeOne(requestId);
        assertEq(open.balanceOf(requester), before + PRICE);
        assertEq(market.totalEscrowed(), 0);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Refunded));
    }

    /// A colluding quorum that declines what it could answer gains nothing: the whole fee goes back to the
    /// requester, no keeper, owner, contributor or treasury is credited, and no votes are minted.
    function test_decline_creditsNobody() public {
        uint256 requestId = _request();
        _submit(_decline(requestId));
        vm.warp(market.getRequest(requestId).challengeEndsAt);
        uint256 vaultBefore = open.balanceOf(address(vault));
        uint256 votesBefore = votes.totalSupply();
        _finalizeOne(requestId);
        assertEq(open.balanceOf(address(vault)), vaultBefore);
        assertEq(votes.totalSupply(), votesBefore);
        for (uint256 i; i < keeperAddrs.length; ++i) {
            assertEq(vault.balanceOf(keeperAddrs[i]), 0);
        }
    }

    function test_RevertWhen_finalizeDeclineInChallengeWindow() public {
        uint256 requestId = _request();
        _submit(_decline(requestId));
        uint64 endsAt = market.getRequest(requestId).challengeEndsAt;
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketChallengeWindowOpen.selector, requestId, endsAt));
        _finalizeOne(requestId);
    }

    function test_RevertWhen_declineCarriesAttributions() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        report.outputHash = bytes32(0);
        bytes[] memory signatures = _signatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketDeclineWithAttributions.selector, requestId, 1));
        market.submitReport(report, signatures);
    }

    /// A keeper that signs both a decline and an answer equivocates: the decline is voided, the keeper
    /// slashed, and the request can be answered again.
    function test_decline_challengedByConflictingAnswer() public {
        uint256 requestId = _request();
        _submit(_decline(requestId));
        IInferenceMarket.AttributionReport memory answer = _report(requestId, 1);
        market.challenge(requestId, answer, _signatures(answer, 1));
        IInferenceMarket.Request memory request = market.getRequest(requestId);
        assertFalse(request.declined);
        assertEq(uint8(request.status), uint8(IInferenceMarket.RequestStatus.Open));
        assertLt(keepers.stakeOf(keeperAddrs[0]), KEEPER_STAKE);
        assertEq(keepers.stakeOf(keeperAddrs[1]), KEEPER_STAKE);
    }

    // ─── refund ───────────────────────────────────────────────────────────────

    function test_refund_afterDeadline() public {
        uint256 requestId = _request();
        uint256 before = open.balanceOf(requester);
        vm.warp(market.getRequest(requestId).deadline + 1);
        vm.expectEmit(address(market));
        emit IInferenceMarket.RequestRefunded(requestId, requester, PRICE);
        market.refund(requestId);
        assertEq(open.balanceOf(requester), before + PRICE);
        assertEq(market.totalEscrowed(), 0);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Refunded));
    }

    function test_refund_afterChallengedReportAndDeadline() public {
        (uint256 requestId,) = _reported(1);
        IInferenceMarket.AttributionReport memory conflicting = _report(requestId, 0);
        bytes[] memory signatures = _signatures(conflicting, 1);
        market.challenge(requestId, conflicting, signatures);
        vm.warp(market.getRequest(requestId).deadline + 1);
        market.refund(requestId);
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Refunded));
    }

    function test_RevertWhen_refundBeforeDeadline() public {
        uint256 requestId = _request();
        uint64 deadline = market.getRequest(requestId).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketDeadlineNotReached.selector, requestId, deadline));
        market.refund(requestId);
    }

    function test_RevertWhen_refundAfterReport() public {
        (uint256 requestId,) = _reported(1);
        vm.warp(market.getRequest(requestId).deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketRequestNotOpen.selector, requestId, IInferenceMarket.RequestStatus.Reported
            )
        );
        market.refund(requestId);
    }

    function test_RevertWhen_refundTwice() public {
        uint256 requestId = _request();
        vm.warp(market.getRequest(requestId).deadline + 1);
        market.refund(requestId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketRequestNotOpen.selector, requestId, IInferenceMarket.RequestStatus.Refunded
            )
        );
        market.refund(requestId);
    }

    function test_RevertWhen_getUnknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketUnknownRequest.selector, 7));
        market.getRequest(7);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    function test_setters_updateAndEmit() public {
        vm.startPrank(governance);
        vm.expectEmit(address(market));
        emit IInferenceMarket.ChallengeWindowSet(2 hours);
        market.setChallengeWindow(2 hours);
        vm.expectEmit(address(market));
        emit IInferenceMarket.RequestTimeoutSet(2 days);
        market.setRequestTimeout(2 days);
        vm.expectEmit(address(market));
        emit IInferenceMarket.MaxAttributionsSet(8);
        market.setMaxAttributions(8);
        vm.expectEmit(address(market));
        emit IInferenceMarket.FeeSplitSet(1000, 1000, 3000, 5000);
        market.setFeeSplit(1000, 1000, 3000);
        vm.expectEmit(address(market));
        emit IInferenceMarket.TreasurySet(address(0xbeef));
        market.setTreasury(address(0xbeef));
        vm.stopPrank();
        IInferenceMarket.Parameters memory p = market.parameters();
        assertEq(p.challengeWindow, 2 hours);
        assertEq(p.requestTimeout, 2 days);
        assertEq(p.maxAttributions, 8);
        assertEq(p.protocolFeeBps, 1000);
        assertEq(market.treasury(), address(0xbeef));
    }

    function test_RevertWhen_settersOutOfBounds() public {
        vm.startPrank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.MarketChallengeWindowOutOfBounds.selector, 5, UNBONDING_DELAY)
        );
        market.setChallengeWindow(5);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.MarketChallengeWindowOutOfBounds.selector, UNBONDING_DELAY, UNBONDING_DELAY
            )
        );
        market.setChallengeWindow(UNBONDING_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketRequestTimeoutOutOfBounds.selector, 10));
        market.setRequestTimeout(10);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketRequestTimeoutOutOfBounds.selector, 31 days));
        market.setRequestTimeout(31 days);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketMaxAttributionsOutOfBounds.selector, 0));
        market.setMaxAttributions(0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketMaxAttributionsOutOfBounds.selector, 65));
        market.setMaxAttributions(65);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketFeeSplitOutOfBounds.selector, 2001, 0, 0));
        market.setFeeSplit(2001, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketFeeSplitOutOfBounds.selector, 1000, 3000, 5001));
        market.setFeeSplit(1000, 3000, 5001);
        vm.expectRevert(IInferenceMarket.MarketZeroAddress.selector);
        market.setTreasury(address(0));
        vm.stopPrank();
    }

    function test_RevertWhen_setterCalledByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        market.setChallengeWindow(2 hours);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        market.setFeeSplit(0, 0, 0);
    }

    function test_challengeWindowChange_appliesToLaterReportsOnly() public {
        (uint256 requestId,) = _reported(1);
        uint64 endsAt = market.getRequest(requestId).challengeEndsAt;
        vm.prank(governance);
        market.setChallengeWindow(3 hours);
        assertEq(market.getRequest(requestId).challengeEndsAt, endsAt);
    }

    // ─── Helpers ──────────────────────────────────────────────────────────────

    function _composite(uint256 partA, uint256 partB, uint256 price) internal returns (uint256 id) {
        uint256[] memory partIds = new uint256[](2);
        (partIds[0], partIds[1]) = (partA, partB);
        uint256[] memory weights = new uint256[](2);
        (weights[0], weights[1]) = (7000, 3000);
        vm.prank(developer);
        id = models.registerComposite(
            IModelRegistry.CompositeParams({
                partIds: partIds, weightsBps: weights, pricePerRequest: price, metadataURI: "blob://composite"
            })
        );
    }
}
