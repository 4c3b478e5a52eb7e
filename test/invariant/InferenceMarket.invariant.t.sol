// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket} from "../../contracts/interfaces/IInferenceMarket.sol";
import {ProtocolFixture} from "../utils/ProtocolFixture.sol";
import {InferenceMarketHandler} from "./InferenceMarketHandler.sol";

/// @notice Money conservation across the market, the vault and the keeper registry for any sequence of requests,
/// reports, challenges, finalizations, refunds, claims and keeper stake moves.
contract InferenceMarketInvariantTest is ProtocolFixture {
    InferenceMarketHandler internal handler;

    function setUp() public override {
        super.setUp();
        _ensureAccepted(8);
        address secondDeveloper = makeAddr("secondDeveloper");
        // Odd prices make every floor division leave a remainder.
        vm.prank(developer);
        models.setPrice(modelId, 10 ether + 7);
        uint256[] memory modelIds = new uint256[](2);
        modelIds[0] = modelId;
        modelIds[1] = _registerModel(secondDeveloper, datanetId, 3333);

        address[] memory payees = new address[](8);
        (payees[0], payees[1], payees[2], payees[3]) = (developer, secondDeveloper, contributor, datanetOwner);
        (payees[4], payees[5], payees[6], payees[7]) = (treasury, keeperAddrs[0], keeperAddrs[1], keeperAddrs[2]);

        handler = new InferenceMarketHandler(
            open, market, keepers, vault, modelIds, accepted, keeperAddrs, keeperKeys, payees
        );
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = InferenceMarketHandler.request.selector;
        selectors[1] = InferenceMarketHandler.submitReport.selector;
        selectors[2] = InferenceMarketHandler.challenge.selector;
        selectors[3] = InferenceMarketHandler.finalize.selector;
        selectors[4] = InferenceMarketHandler.refund.selector;
        selectors[5] = InferenceMarketHandler.claim.selector;
        selectors[6] = InferenceMarketHandler.unbond.selector;
        selectors[7] = InferenceMarketHandler.withdraw.selector;
        selectors[8] = InferenceMarketHandler.stake.selector;
        selectors[9] = InferenceMarketHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev OPEN held by market + vault + keeper registry == escrowed fees + unclaimed credits + stakes, and each
    /// contract holds exactly its own part.
    function invariant_heldEqualsOwed() public view {
        assertEq(
            open.balanceOf(address(market)) + open.balanceOf(address(vault)) + open.balanceOf(address(keepers)),
            market.totalEscrowed() + vault.totalOutstanding() + keepers.totalStaked()
        );
        assertEq(open.balanceOf(address(market)), market.totalEscrowed());
        assertEq(open.balanceOf(address(vault)), vault.totalOutstanding());
        assertEq(open.balanceOf(address(keepers)), keepers.totalStaked());
    }

    /// @dev The escrow is exactly the fees of requests still open or reported.
    function invariant_escrowMatchesLiveRequests() public view {
        uint256 live;
        for (uint256 id = 1; id <= market.requestCount(); ++id) {
            IInferenceMarket.Request memory r = market.getRequest(id);
            if (r.status == IInferenceMarket.RequestStatus.Open || r.status == IInferenceMarket.RequestStatus.Reported)
            {
                live += r.fee;
            }
        }
        assertEq(market.totalEscrowed(), live);
    }

    /// @dev No account claims more than it was credited; balances are credits minus claims.
    function invariant_claimsNeverExceedCredits() public view {
        for (uint256 i; i < handler.payeeCount(); ++i) {
            address account = handler.payees(i);
            uint256 credited = vault.totalCreditedTo(account);
            uint256 claimed = vault.totalClaimedBy(account);
            assertLe(claimed, credited);
            assertEq(claimed, handler.ghostClaimed(account));
            assertEq(vault.balanceOf(account), credited - claimed);
        }
    }

    /// @dev Every finalized fee was credited in full to the known payees: no dust lost, none created.
    function invariant_feeSplitSumsToFee() public view {
        assertEq(handler.ghostSplitMismatches(), 0);
        uint256 credited;
        for (uint256 i; i < handler.payeeCount(); ++i) {
            credited += vault.totalCreditedTo(handler.payees(i));
        }
        assertEq(credited, handler.ghostFinalizedFees());
    }

    /// @dev Stakes add up to the registry's total.
    function invariant_stakesAddUp() public view {
        uint256 sum;
        for (uint256 i; i < keeperAddrs.length; ++i) {
            sum += keepers.stakeOf(keeperAddrs[i]);
        }
        assertEq(sum, keepers.totalStaked());
    }

    /// @dev A fixed walk through every settlement path, so the properties above are not checked vacuously.
    function test_handler_reachesEverySettlementPath() public {
        handler.request(0, 0);
        handler.request(1, 1);
        handler.request(2, 0);
        handler.submitReport(0, type(uint256).max, 0);
        handler.submitReport(1, 0x55, 1);
        handler.request(3, 1);
        handler.submitReport(2, 8, 0);
        handler.challenge(1, 0);
        handler.warp(2 hours);
        handler.finalize(0, 5);
        handler.claim(2);
        handler.unbond(0);
        handler.warp(2 days);
        handler.refund(0);
        assertGt(handler.ghostFinalized(), 0);
        assertGt(handler.ghostChallenges(), 0);
        assertGt(handler.ghostRefundedFees(), 0);
        assertGt(handler.ghostDeclinesFinalized(), 0);
        assertGt(handler.ghostClaimed(contributor), 0);
        invariant_heldEqualsOwed();
        invariant_escrowMatchesLiveRequests();
        invariant_claimsNeverExceedCredits();
        invariant_feeSplitSumsToFee();
        invariant_stakesAddUp();
    }
}
