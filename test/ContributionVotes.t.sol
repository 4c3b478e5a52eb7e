// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../contracts/ContributionVotes.sol";
import {IContributionVotes} from "../contracts/interfaces/IContributionVotes.sol";

contract ContributionVotesTest is Test {
    ContributionVotes internal votes;
    address internal governance = makeAddr("governance");
    address internal market = makeAddr("market");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        votes = new ContributionVotes(governance);
        vm.prank(governance);
        votes.setMinter(market, true);
        vm.warp(1_700_000_000);
    }

    function test_constructor_metadataAndClock() public view {
        assertEq(votes.name(), "Payable AI Contribution Votes");
        assertEq(votes.symbol(), "vOPEN");
        assertEq(votes.owner(), governance);
        assertEq(votes.clock(), block.timestamp);
        assertEq(votes.CLOCK_MODE(), "mode=timestamp");
    }

    function test_setMinter_authorisesAndRevokes() public {
        vm.expectEmit(address(votes));
        emit IContributionVotes.MinterSet(alice, true);
        vm.prank(governance);
        votes.setMinter(alice, true);
        assertTrue(votes.isMinter(alice));

        vm.expectEmit(address(votes));
        emit IContributionVotes.MinterSet(alice, false);
        vm.prank(governance);
        votes.setMinter(alice, false);
        assertFalse(votes.isMinter(alice));
    }

    function test_RevertWhen_setMinterByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, market));
        vm.prank(market);
        votes.setMinter(alice, true);
    }

    function test_RevertWhen_setMinterZero() public {
        vm.expectRevert(IContributionVotes.ContributionVotesZeroAddress.selector);
        vm.prank(governance);
        votes.setMinter(address(0), true);
    }

    function test_mint_selfDelegatesOnFirstMint() public {
        vm.expectEmit(address(votes));
        emit IVotes.DelegateChanged(alice, address(0), alice);
        vm.prank(market);
        votes.mint(alice, 10 ether);
        assertEq(votes.balanceOf(alice), 10 ether);
        assertEq(votes.delegates(alice), alice);
        assertEq(votes.getVotes(alice), 10 ether);

        vm.warp(block.timestamp + 1);
        vm.prank(market);
        votes.mint(alice, 5 ether);
        assertEq(votes.getVotes(alice), 15 ether);
        assertEq(votes.getPastVotes(alice, block.timestamp - 1), 10 ether);
        assertEq(votes.getPastTotalSupply(block.timestamp - 1), 10 ether);
    }

    function test_mint_keepsChosenDelegate() public {
        vm.prank(alice);
        votes.delegate(bob);
        vm.prank(market);
        votes.mint(alice, 3 ether);
        assertEq(votes.delegates(alice), bob);
        assertEq(votes.getVotes(bob), 3 ether);
        assertEq(votes.getVotes(alice), 0);
    }

    function test_mint_zeroOnlyDelegates() public {
        vm.prank(market);
        votes.mint(alice, 0);
        assertEq(votes.totalSupply(), 0);
        assertEq(votes.delegates(alice), alice);
    }

    function test_delegate_canMoveVotesAfterMint() public {
        vm.prank(market);
        votes.mint(alice, 4 ether);
        vm.prank(alice);
        votes.delegate(bob);
        assertEq(votes.getVotes(bob), 4 ether);
        assertEq(votes.getVotes(alice), 0);
    }

    function test_RevertWhen_mintByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesUnauthorizedMinter.selector, alice));
        vm.prank(alice);
        votes.mint(alice, 1);
    }

    function test_RevertWhen_mintByRevokedMinter() public {
        vm.prank(governance);
        votes.setMinter(market, false);
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesUnauthorizedMinter.selector, market));
        vm.prank(market);
        votes.mint(alice, 1);
    }

    function test_RevertWhen_mintToZero() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vm.prank(market);
        votes.mint(address(0), 1);
    }

    function test_RevertWhen_transfer() public {
        vm.prank(market);
        votes.mint(alice, 1 ether);
        vm.expectRevert(IContributionVotes.ContributionVotesNonTransferable.selector);
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        votes.transfer(bob, 1);
    }

    function test_RevertWhen_transferFrom() public {
        vm.prank(market);
        votes.mint(alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 0, 1));
        vm.prank(bob);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        votes.transferFrom(alice, bob, 1);
    }

    function test_RevertWhen_approve() public {
        vm.expectRevert(IContributionVotes.ContributionVotesNonTransferable.selector);
        vm.prank(alice);
        votes.approve(bob, 1);
    }

    function testFuzz_mint_votesTrackBalances(uint128 a, uint128 b) public {
        vm.startPrank(market);
        votes.mint(alice, a);
        votes.mint(bob, b);
        votes.mint(alice, b);
        vm.stopPrank();
        assertEq(votes.getVotes(alice), uint256(a) + b);
        assertEq(votes.getVotes(bob), b);
        assertEq(votes.totalSupply(), uint256(a) + 2 * uint256(b));
    }

    function testFuzz_transfer_alwaysReverts(address to, uint256 amount) public {
        vm.assume(to != address(0));
        vm.prank(market);
        votes.mint(alice, 1 ether);
        vm.expectRevert(IContributionVotes.ContributionVotesNonTransferable.selector);
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        votes.transfer(to, amount);
    }
}
