// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Test} from "forge-std/Test.sol";

import {OpenToken} from "../contracts/OpenToken.sol";
import {RewardVault} from "../contracts/RewardVault.sol";
import {IRewardVault} from "../contracts/interfaces/IRewardVault.sol";

/// @dev The test contract plays the market: the vault only checks that its caller is the configured market.
contract RewardVaultTest is Test {
    OpenToken internal open;
    RewardVault internal vault;
    address internal governance = makeAddr("governance");
    address internal alice;
    uint256 internal aliceKey;
    address internal bob = makeAddr("bob");
    address internal relayer = makeAddr("relayer");

    function setUp() public {
        (alice, aliceKey) = makeAddrAndKey("alice");
        open = new OpenToken(address(0), address(0), 1_000_000 ether, address(this), 1_000_000 ether);
        vault = new RewardVault(address(open), governance);
        vm.prank(governance);
        vault.setMarket(address(this));
        open.approve(address(vault), type(uint256).max);
    }

    function _credit(address account, uint256 amount) internal {
        address[] memory accounts = new address[](1);
        accounts[0] = account;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = amount;
        vault.credit(accounts, amounts);
    }

    function test_credit_pullsAndCredits() public {
        address[] memory accounts = new address[](3);
        (accounts[0], accounts[1], accounts[2]) = (alice, bob, alice);
        uint256[] memory amounts = new uint256[](3);
        (amounts[0], amounts[1], amounts[2]) = (5 ether, 2 ether, 1 ether);
        vm.expectEmit(address(vault));
        emit IRewardVault.Credited(alice, 5 ether);
        vault.credit(accounts, amounts);
        assertEq(vault.balanceOf(alice), 6 ether);
        assertEq(vault.balanceOf(bob), 2 ether);
        assertEq(vault.totalCreditedTo(alice), 6 ether);
        assertEq(vault.totalOutstanding(), 8 ether);
        assertEq(open.balanceOf(address(vault)), 8 ether);
    }

    function test_credit_skipsZeroAmounts() public {
        address[] memory accounts = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        vault.credit(accounts, amounts);
        assertEq(vault.totalOutstanding(), 0);
    }

    function test_RevertWhen_creditByStranger() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRewardVault.VaultCallerNotMarket.selector, bob));
        vault.credit(new address[](0), new uint256[](0));
    }

    function test_RevertWhen_creditLengthMismatch() public {
        vm.expectRevert(abi.encodeWithSelector(IRewardVault.VaultLengthMismatch.selector, 1, 0));
        vault.credit(new address[](1), new uint256[](0));
    }

    function test_RevertWhen_creditZeroAccount() public {
        vm.expectRevert(IRewardVault.VaultZeroAddress.selector);
        _credit(address(0), 1);
    }

    function test_claim_paysWholeBalance() public {
        _credit(alice, 3 ether);
        vm.expectEmit(address(vault));
        emit IRewardVault.Claimed(alice, bob, 3 ether);
        vm.prank(alice);
        assertEq(vault.claim(bob), 3 ether);
        assertEq(open.balanceOf(bob), 3 ether);
        assertEq(vault.balanceOf(alice), 0);
        assertEq(vault.totalClaimedBy(alice), 3 ether);
        assertEq(vault.totalOutstanding(), 0);
    }

    function test_RevertWhen_claimNothing() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRewardVault.VaultNothingToClaim.selector, alice));
        vault.claim(alice);
    }

    function test_RevertWhen_claimTwice() public {
        _credit(alice, 1 ether);
        vm.startPrank(alice);
        vault.claim(alice);
        vm.expectRevert(abi.encodeWithSelector(IRewardVault.VaultNothingToClaim.selector, alice));
        vault.claim(alice);
        vm.stopPrank();
    }

    function test_RevertWhen_claimToZero() public {
        _credit(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(IRewardVault.VaultZeroAddress.selector);
        vault.claim(address(0));
    }

    function _domainSeparator() internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("PayableAI RewardVault"),
                keccak256("1"),
                block.chainid,
                address(vault)
            )
        );
    }

    function _claimSignature(uint256 key, address account, address to, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 domainSeparator = _domainSeparator();
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Claim(address account,address to,uint256 nonce,uint256 deadline)"),
                account,
                to,
                nonce,
                deadline
            )
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash)));
        return abi.encodePacked(r, s, v);
    }

    function test_claimFor_withOwnerSignature() public {
        _credit(alice, 4 ether);
        bytes memory signature = _claimSignature(aliceKey, alice, bob, 0, block.timestamp + 1 hours);
        vm.prank(relayer);
        assertEq(vault.claimFor(alice, bob, block.timestamp + 1 hours, signature), 4 ether);
        assertEq(open.balanceOf(bob), 4 ether);
        assertEq(vault.nonces(alice), 1);
    }

    function test_RevertWhen_claimForReplayed() public {
        _credit(alice, 4 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _claimSignature(aliceKey, alice, bob, 0, deadline);
        vault.claimFor(alice, bob, deadline, signature);
        _credit(alice, 1 ether);
        // The nonce moved on, so the same signature now recovers to another address.
        bytes32 withNextNonce = keccak256(
            abi.encodePacked(
                "\x19\x01",
                _domainSeparator(),
                keccak256(abi.encode(vault.CLAIM_TYPEHASH(), alice, bob, uint256(1), deadline))
            )
        );
        address recovered = ECDSA.recover(withNextNonce, signature);
        vm.expectRevert(abi.encodeWithSelector(IRewardVault.VaultInvalidClaimSignature.selector, alice, recovered));
        vault.claimFor(alice, bob, deadline, signature);
    }

    function test_RevertWhen_claimForRedirected() public {
        _credit(alice, 4 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _claimSignature(aliceKey, alice, bob, 0, deadline);
        // Submitted with another recipient, the signature recovers to an unrelated address.
        bytes32 redirected = keccak256(
            abi.encodePacked(
                "\x19\x01",
                _domainSeparator(),
                keccak256(abi.encode(vault.CLAIM_TYPEHASH(), alice, relayer, uint256(0), deadline))
            )
        );
        (bytes32 r, bytes32 s) = abi.decode(signature, (bytes32, bytes32));
        address recovered = ecrecover(redirected, uint8(signature[64]), r, s);
        vm.expectRevert(abi.encodeWithSelector(IRewardVault.VaultInvalidClaimSignature.selector, alice, recovered));
        vault.claimFor(alice, relayer, deadline, signature);
        assertEq(vault.balanceOf(alice), 4 ether);
    }

    function test_RevertWhen_claimForExpired() public {
        _credit(alice, 4 ether);
        uint256 deadline = block.timestamp;
        bytes memory signature = _claimSignature(aliceKey, alice, bob, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardVault.VaultClaimExpired.selector, deadline, deadline + 1));
        vault.claimFor(alice, bob, deadline, signature);
    }

    function test_RevertWhen_claimForSignedByOther() public {
        _credit(alice, 4 ether);
        (address mallory, uint256 malloryKey) = makeAddrAndKey("mallory");
        uint256 deadline = block.timestamp + 1;
        bytes memory signature = _claimSignature(malloryKey, alice, mallory, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IRewardVault.VaultInvalidClaimSignature.selector, alice, mallory));
        vault.claimFor(alice, mallory, deadline, signature);
    }

    function test_setMarket_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        vault.setMarket(bob);
        vm.prank(governance);
        vm.expectRevert(IRewardVault.VaultZeroAddress.selector);
        vault.setMarket(address(0));
        vm.expectEmit(address(vault));
        emit IRewardVault.MarketSet(bob);
        vm.prank(governance);
        vault.setMarket(bob);
        assertEq(vault.market(), bob);
    }

    function testFuzz_creditThenClaim_neverExceedsCredited(uint256 a, uint256 b) public {
        a = bound(a, 0, 500_000 ether);
        b = bound(b, 0, 500_000 ether);
        _credit(alice, a);
        _credit(alice, b);
        uint256 total = a + b;
        if (total == 0) return;
        vm.prank(alice);
        assertEq(vault.claim(alice), total);
        assertEq(vault.totalClaimedBy(alice), vault.totalCreditedTo(alice));
        assertEq(open.balanceOf(address(vault)), 0);
    }
}
