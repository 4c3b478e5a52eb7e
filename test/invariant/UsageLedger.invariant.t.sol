// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StdInvariant} from "forge-std/StdInvariant.sol";

import {LedgerFixture} from "../utils/LedgerFixture.sol";
import {UsageLedgerHandler} from "./UsageLedgerHandler.sol";

/// @notice For any sequence of deposits, withdrawals, settled epochs (some with roots that pay more than was spent)
/// and claims: the ledger holds exactly the balances plus what was debited and not yet claimed, claims never exceed
/// what requesters were debited, and balances plus debits never exceed what was deposited less what was withdrawn.
contract UsageLedgerInvariantTest is StdInvariant, LedgerFixture {
    UsageLedgerHandler internal handler;
    address[] internal requesters;
    uint256[] internal requesterKeys;

    function setUp() public override {
        super.setUp();
        (requesters, requesterKeys) = (new address[](2), new uint256[](2));
        (requesters[0], requesters[1], requesterKeys[0], requesterKeys[1]) =
        (requester, requesterB, requesterKey, requesterBKey);
        address[] memory earners = new address[](3);
        (earners[0], earners[1], earners[2]) = (makeAddr("alice"), makeAddr("bob"), makeAddr("carol"));
        handler = new UsageLedgerHandler(ledger, requesters, requesterKeys, keeperAddrs, keeperKeys, earners);
        for (uint256 i; i < requesters.length; ++i) {
            vm.prank(requesters[i]);
            open.approve(address(ledger), 0);
            _fund(requesters[i], 100_000 ether, address(ledger));
        }
        targetContract(address(handler));
    }

    function invariant_ledgerHoldsBalancesPlusUnclaimedSpend() public view {
        assertEq(open.balanceOf(address(ledger)), ledger.totalBalances() + ledger.totalSpent() - ledger.totalClaimed());
    }

    function invariant_claimsNeverExceedSpend() public view {
        assertLe(ledger.totalClaimed(), ledger.totalSpent());
        assertEq(ledger.totalClaimed(), handler.ghostClaimed());
    }

    function invariant_balancesPlusSpendEqualNetDeposits() public view {
        uint256 deposited = 2 * DEPOSIT + handler.ghostDeposited();
        assertEq(ledger.totalBalances() + ledger.totalSpent(), deposited - handler.ghostWithdrawn());
        assertEq(ledger.totalBalances(), ledger.balanceOf(requester) + ledger.balanceOf(requesterB));
    }
}
