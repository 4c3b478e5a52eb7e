// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket} from "../../contracts/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ProtocolFixture} from "../utils/ProtocolFixture.sol";
import {InferenceMarketHandler} from "./InferenceMarketHandler.sol";

/// @notice For any sequence of requests, reports, challenges, finalizations, refunds, claims, keeper stake moves,
/// payee changes and governance changes (fee split, slash fractions, quorums, schedule): money is conserved, every
/// account is credited exactly its documented share and votes, stakes add up, requests keep the terms they were
/// made with, and no request is ever stuck.
/// @dev Two datanets with different owners and contributions in both; three models: one on the first datanet, one
/// on both, and a composite of the two (two revenue recipients). Contributions pay to distinct payees.
contract InferenceMarketInvariantTest is ProtocolFixture {
    InferenceMarketHandler internal handler;

    function setUp() public override {
        super.setUp();
        // Odd prices make every floor division leave a remainder.
        vm.prank(developer);
        models.setPrice(modelId, 10 ether + 7);
        uint256[] memory both = new uint256[](2);
        (both[0], both[1]) = (datanetId, otherDatanetId);
        address secondDeveloper = makeAddr("secondDeveloper");
        uint256 bothModel = _registerModel(secondDeveloper, both, 5 ether + 3);
        address compositeOwner = makeAddr("compositeOwner");

        InferenceMarketHandler.Cast memory cast;
        cast.models = new uint256[](3);
        (cast.models[0], cast.models[1]) = (modelId, bothModel);
        cast.models[2] = _registerComposite(compositeOwner, modelId, bothModel);
        cast.datanetIds = both;
        cast.contributions = _contributionsInBothDatanets();
        (cast.keeperAddrs, cast.keeperKeys, cast.contributor) = (keeperAddrs, keeperKeys, contributor);
        cast.payeePool = new address[](4);
        for (uint256 i; i < cast.payeePool.length; ++i) {
            cast.payeePool[i] = makeAddr(string.concat("payee", vm.toString(i)));
        }
        // The last two contributions keep paying the contributor.
        for (uint256 i; i < cast.contributions.length - 2; ++i) {
            vm.prank(contributor);
            datanets.setPayee(cast.contributions[i], cast.payeePool[i % cast.payeePool.length]);
        }
        cast.accounts = _accounts(secondDeveloper, compositeOwner, cast.payeePool);

        handler = new InferenceMarketHandler(
            InferenceMarketHandler.Deployment(
                open, market, keepers, vault, votes, datanets, models, governance, treasury
            ),
            cast
        );
        targetContract(address(handler));
        // Reports and settlements are weighted up so that short runs still reach them.
        bytes4[] memory selectors = new bytes4[](20);
        (selectors[0], selectors[1]) = (InferenceMarketHandler.request.selector, InferenceMarketHandler.refund.selector);
        selectors[2] = InferenceMarketHandler.submitReport.selector;
        selectors[3] = InferenceMarketHandler.submitReport.selector;
        selectors[4] = InferenceMarketHandler.submitReport.selector;
        selectors[5] = InferenceMarketHandler.challenge.selector;
        selectors[6] = InferenceMarketHandler.challenge.selector;
        selectors[7] = InferenceMarketHandler.finalize.selector;
        selectors[8] = InferenceMarketHandler.finalize.selector;
        selectors[9] = InferenceMarketHandler.claim.selector;
        selectors[10] = InferenceMarketHandler.setPayee.selector;
        selectors[11] = InferenceMarketHandler.unbond.selector;
        selectors[12] = InferenceMarketHandler.withdraw.selector;
        selectors[13] = InferenceMarketHandler.stake.selector;
        selectors[14] = InferenceMarketHandler.setFeeSplit.selector;
        selectors[15] = InferenceMarketHandler.setSlashParameters.selector;
        selectors[16] = InferenceMarketHandler.setQuorum.selector;
        selectors[17] = InferenceMarketHandler.setSchedule.selector;
        selectors[18] = InferenceMarketHandler.warp.selector;
        selectors[19] = InferenceMarketHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ─── Money ────────────────────────────────────────────────────────────────

    /// @dev OPEN held by market + vault + keeper registry == escrowed fees + unclaimed credits + stakes, and each
    /// contract holds exactly its own part; requesters hold what they were given less fees plus refunds.
    function invariant_heldEqualsOwed() public view {
        assertEq(
            open.balanceOf(address(market)) + open.balanceOf(address(vault)) + open.balanceOf(address(keepers)),
            market.totalEscrowed() + vault.totalOutstanding() + keepers.totalStaked()
        );
        assertEq(open.balanceOf(address(market)), market.totalEscrowed());
        assertEq(open.balanceOf(address(vault)), vault.totalOutstanding());
        assertEq(open.balanceOf(address(keepers)), keepers.totalStaked());
        for (uint256 i; i < handler.requesterCount(); ++i) {
            address requester_ = handler.requesters(i);
            assertEq(open.balanceOf(requester_), handler.ghostRequesterBalance(requester_), "requester balance");
        }
    }

    /// @dev The escrow is the fees of live requests, and `reportedFees` those of (non-declined) requests awaiting
    /// settlement.
    function invariant_escrowAndReportedFeesMatchLiveRequests() public view {
        uint256 live;
        uint256 reported;
        uint256 declined;
        for (uint256 id = 1; id <= market.requestCount(); ++id) {
            IInferenceMarket.Request memory r = market.getRequest(id);
            if (
                r.status == IInferenceMarket.RequestStatus.Reported
                    || r.status == IInferenceMarket.RequestStatus.Disputed
            ) {
                // A decline only refunds: it holds escrow but no settlement capacity.
                if (r.declined) declined += r.fee;
                else reported += r.fee;
            }
            if (r.status == IInferenceMarket.RequestStatus.Open) live += r.fee;
        }
        assertEq(market.totalEscrowed(), live + reported + declined, "escrow");
        assertEq(market.reportedFees(), reported, "reported fees");
        assertEq(market.reportedFees(), handler.ghostReportedFees(), "reported fees (ghost)");
        InferenceMarketHandler.Failures memory f = handler.failures();
        assertEq(f.capacityBreaches, 0, "reported fees above capacity after a report");
        assertEq(f.overCapacityAccepted, 0, "report accepted over capacity");
    }

    /// @dev Every account's credits (unclaimed + claimed) are exactly the sum of its documented shares of the
    /// requests finalized so far, with each request's stored split; the credits add up to the finalized fees.
    function invariant_creditsMatchExpectedSplit() public view {
        InferenceMarketHandler.Failures memory f = handler.failures();
        assertEq(f.splitMismatches, 0, "finalize count or credited total");
        uint256 credited;
        for (uint256 i; i < handler.accountCount(); ++i) {
            address account = handler.accounts(i);
            uint256 claimed = handler.ghostClaimed(account);
            assertEq(vault.totalClaimedBy(account), claimed, "claimed");
            assertEq(vault.balanceOf(account) + claimed, handler.ghostExpectedCredit(account), vm.getLabel(account));
            assertEq(vault.totalCreditedTo(account), handler.ghostExpectedCredit(account), "credited");
            credited += vault.totalCreditedTo(account);
        }
        assertEq(credited, handler.ghostFinalizedFees(), "credited total");
    }

    /// @dev Votes: `amount * protocolFeeBps / (10000 - protocolFeeBps - executorFeeBps)` per model-owner and
    /// contributor credit, nothing for anyone else.
    function invariant_votesMatchExpectedSplit() public view {
        for (uint256 i; i < handler.accountCount(); ++i) {
            address account = handler.accounts(i);
            assertEq(votes.balanceOf(account), handler.ghostExpectedVotes(account), vm.getLabel(account));
        }
    }

    // ─── Stake ────────────────────────────────────────────────────────────────

    /// @dev Stakes add up to the registry's total and its balance, the bonded ones to `activeStake`, and every
    /// challenge slashed exactly the equivocators' `equivocationSlashBps`, split between challenger and treasury.
    function invariant_stakeConserved() public view {
        uint256 sum;
        for (uint256 i; i < keeperAddrs.length; ++i) {
            sum += keepers.stakeOf(keeperAddrs[i]);
        }
        assertEq(sum, keepers.totalStaked());
        assertEq(open.balanceOf(address(keepers)), keepers.totalStaked());
        address[] memory bonded = keepers.activeKeepers();
        uint256 bondedSum;
        for (uint256 i; i < bonded.length; ++i) {
            bondedSum += keepers.stakeOf(bonded[i]);
        }
        assertEq(keepers.activeStake(), bondedSum, "bonded stake");
        assertEq(handler.failures().slashMismatches, 0, "slash amounts");
    }

    // ─── Requests ─────────────────────────────────────────────────────────────

    /// @dev Each request keeps the terms it was made with (requester, fee, split) and follows the lifecycle the
    /// handler drove: status, round, deadline (pushed to at least `reopenGrace` after a voiding), executor schedule
    /// start and challenge window.
    function invariant_requestsKeepTheirTerms() public view {
        assertEq(market.requestCount(), handler.ghostRequestCount());
        assertEq(handler.failures().reopenMismatches, 0, "reopened round or deadline");
        for (uint256 id = 1; id <= market.requestCount(); ++id) {
            IInferenceMarket.Request memory r = market.getRequest(id);
            InferenceMarketHandler.GhostRequest memory g = handler.ghostRequest(id);
            assertEq(r.requester, g.requester);
            assertEq(r.fee, g.fee);
            assertEq(r.modelId, g.modelId);
            assertEq(
                abi.encode(r.protocolFeeBps, r.executorFeeBps, r.modelFeeBps),
                abi.encode(g.protocolFeeBps, g.executorFeeBps, g.modelFeeBps),
                "stored split"
            );
            assertEq(uint8(r.status), uint8(g.status), "status");
            assertEq(r.round, g.round, "round");
            assertEq(r.deadline, g.deadline, "deadline");
            if (r.status != IInferenceMarket.RequestStatus.Open) continue;
            assertEq(r.openedAt, g.openedAt, "openedAt");
        }
    }

    /// @dev No request is stuck: an open request past its deadline can be refunded; a reported one can be
    /// challenged inside its window and finalized after it; none is disputed (only the court disputes, and the
    /// handler has none). Every action the handler built correctly was accepted, and every one it built to be
    /// refused (unscheduled executor, early refund, early finalize) was refused.
    function invariant_noRequestStuck() public {
        InferenceMarketHandler.Failures memory f = handler.failures();
        assertEq(f.requestsRefused, 0, "request refused");
        assertEq(f.reportsRefused, 0, "valid report refused");
        assertEq(f.challengesRefused, 0, "valid challenge refused");
        assertEq(f.finalizesRefused, 0, "matured finalize refused");
        assertEq(f.refundsRefused, 0, "expired refund refused");
        assertEq(f.unscheduledAccepted, 0, "unscheduled executor accepted");
        assertEq(f.earlyRefundsAccepted, 0, "refund before deadline accepted");
        assertEq(f.earlyFinalizesAccepted, 0, "finalize inside window accepted");
        for (uint256 id = 1; id <= market.requestCount(); ++id) {
            IInferenceMarket.Request memory r = market.getRequest(id);
            assertTrue(r.status != IInferenceMarket.RequestStatus.Disputed, "disputed without a court");
            if (r.status == IInferenceMarket.RequestStatus.Open) {
                // forge-lint: disable-next-line(block-timestamp)
                if (block.timestamp > r.deadline) _probeRefund(id, r);
            } else if (r.status == IInferenceMarket.RequestStatus.Reported) {
                // forge-lint: disable-next-line(block-timestamp)
                if (block.timestamp >= r.challengeEndsAt) _probeFinalize(id);
                else _probeChallenge(id, r);
            }
        }
    }

    /// @dev A fixed walk through every settlement path, so the properties above are not checked vacuously.
    function test_handler_reachesEverySettlementPath() public {
        handler.request(0, 0);
        handler.request(1, 1);
        handler.request(2, 2);
        handler.setFeeSplit(1000, 1000, 3000);
        handler.request(0, 1);
        // Nothing attributed; a random subset of both datanets; a decline; everything attributed.
        handler.submitReport(0, 1, 0);
        handler.submitReport(1, 5 + (0xff << 8), 1);
        handler.submitReport(2, 8, 0);
        handler.submitReport(3, 2, 0);
        handler.challenge(0, 0x30000);
        handler.setSlashParameters(2500, 9000, 4000);
        handler.warp(2 hours);
        handler.finalize(0, 4);
        handler.claim(1);
        handler.unbond(0);
        handler.warp(2 days);
        handler.refund(0);
        address secondDeveloper = handler.accounts(1);
        assertEq(handler.ghostFinalized(), 3);
        assertEq(handler.ghostChallenges(), 1);
        assertEq(handler.ghostDeclinesFinalized(), 1);
        assertGt(handler.ghostRefundedFees(), market.getRequest(3).fee);
        assertGt(handler.ghostRemaindersSplit(), 0);
        assertGt(handler.ghostClaimed(secondDeveloper), 0);
        assertGt(votes.balanceOf(secondDeveloper), 0);
        invariant_heldEqualsOwed();
        invariant_escrowAndReportedFeesMatchLiveRequests();
        invariant_creditsMatchExpectedSplit();
        invariant_votesMatchExpectedSplit();
        invariant_stakeConserved();
        invariant_requestsKeepTheirTerms();
        invariant_noRequestStuck();
    }

    // ─── Probes ───────────────────────────────────────────────────────────────

    function _probeRefund(uint256 requestId, IInferenceMarket.Request memory r) internal {
        uint256 snapshot = vm.snapshotState();
        uint256 before = open.balanceOf(r.requester);
        market.refund(requestId);
        assertEq(open.balanceOf(r.requester) - before, r.fee, "refunded fee");
        vm.revertToStateAndDelete(snapshot);
    }

    function _probeFinalize(uint256 requestId) internal {
        uint256 snapshot = vm.snapshotState();
        _finalizeOne(requestId);
        assertTrue(market.getRequest(requestId).status != IInferenceMarket.RequestStatus.Reported, "not settled");
        vm.revertToStateAndDelete(snapshot);
    }

    /// @dev One accepted signer signs a different report of the same round: the challenge must void the report and
    /// reopen the request in the next round, reportable at least `reopenGrace` from now.
    function _probeChallenge(uint256 requestId, IInferenceMarket.Request memory r) internal {
        uint256 snapshot = vm.snapshotState();
        address signer = market.reportSigners(requestId)[0];
        IInferenceMarket.AttributionReport memory conflicting = IInferenceMarket.AttributionReport({
            requestId: requestId,
            round: r.round,
            modelId: r.modelId,
            outputHash: keccak256("probe"),
            outputURI: "blob://probe",
            executor: signer,
            attributionVersion: 1,
            attributions: new IInferenceMarket.Attribution[](0)
        });
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = _sign(keeperKeys[_keeperIndex(signer)], _digest(conflicting));
        vm.prank(challenger);
        market.challenge(requestId, conflicting, signatures);
        IInferenceMarket.Request memory reopened = market.getRequest(requestId);
        assertEq(uint8(reopened.status), uint8(IInferenceMarket.RequestStatus.Open), "reopened status");
        assertEq(reopened.round, r.round + 1, "reopened round");
        assertGe(reopened.deadline, block.timestamp + handler.ghostReopenGrace(), "reopen grace");
        vm.revertToStateAndDelete(snapshot);
    }

    // ─── Setup helpers ────────────────────────────────────────────────────────

    /// @dev Accepted contributions ascending by id, alternating between the two datanets.
    function _contributionsInBothDatanets() internal returns (uint256[] memory ids) {
        ids = new uint256[](8);
        for (uint256 i; i < 4; ++i) {
            ids[i] = accepted[i];
        }
        ids[4] = _acceptedContribution(otherDatanetId);
        ids[5] = _acceptedContribution(otherDatanetId);
        ids[6] = _acceptedContribution(datanetId);
        ids[7] = _acceptedContribution(otherDatanetId);
    }

    /// @dev A composite paying 70% of its model share to `first`'s owner and 30% to `second`'s.
    function _registerComposite(address owner, uint256 first, uint256 second) internal returns (uint256 id) {
        uint256[] memory partIds = new uint256[](2);
        uint256[] memory weights = new uint256[](2);
        (partIds[0], partIds[1], weights[0], weights[1]) = (first, second, 7000, 3000);
        vm.prank(owner);
        id = models.registerComposite(
            IModelRegistry.CompositeParams({
                partIds: partIds, weightsBps: weights, pricePerRequest: 20 ether + 13, metadataURI: "blob://composite"
            })
        );
    }

    /// @dev Everyone the market may credit (model owners, datanet owners, payees, keepers, treasury) and the
    /// composite's owner, who must earn nothing.
    function _accounts(address secondDeveloper, address compositeOwner, address[] memory payeePool)
        internal
        returns (address[] memory accounts)
    {
        accounts = new address[](7 + payeePool.length + keeperAddrs.length);
        (accounts[0], accounts[1], accounts[2]) = (developer, secondDeveloper, compositeOwner);
        (accounts[3], accounts[4]) = (datanetOwner, datanets.datanetOwner(otherDatanetId));
        (accounts[5], accounts[6]) = (contributor, treasury);
        for (uint256 i; i < payeePool.length; ++i) {
            accounts[7 + i] = payeePool[i];
        }
        for (uint256 i; i < keeperAddrs.length; ++i) {
            accounts[7 + payeePool.length + i] = keeperAddrs[i];
        }
        vm.label(accounts[4], "otherOwner");
    }
}
