// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Test} from "forge-std/Test.sol";

import {OpenToken} from "../contracts/OpenToken.sol";
import {IOpenToken} from "../contracts/interfaces/IOpenToken.sol";
import {ILegacyMintableERC20, IOptimismMintableERC20} from "../contracts/interfaces/IOptimismMintableERC20.sol";

contract OpenTokenTest is Test {
    uint256 internal constant CAP = 1_000_000_000 ether;
    uint256 internal constant INITIAL = 400_000_000 ether;
    /// @dev The L2 standard bridge predeploy on every OP Stack chain.
    address internal constant L2_BRIDGE = 0x4200000000000000000000000000000000000010;

    OpenToken internal l1;
    OpenToken internal l2;
    address internal holder = makeAddr("holder");
    address internal user = makeAddr("user");

    function setUp() public {
        l1 = new OpenToken(address(0), address(0), CAP, holder, INITIAL);
        l2 = new OpenToken(address(l1), L2_BRIDGE, CAP, address(0), 0);
    }

    function test_constructor_mintsInitialSupplyOnHomeChain() public view {
        assertEq(l1.name(), "Open");
        assertEq(l1.symbol(), "OPEN");
        assertEq(l1.decimals(), 18);
        assertEq(l1.cap(), CAP);
        assertEq(l1.totalSupply(), INITIAL);
        assertEq(l1.balanceOf(holder), INITIAL);
        assertEq(l1.bridge(), address(0));
        assertEq(l1.remoteToken(), address(0));
    }

    function test_constructor_bridgedChainStartsEmpty() public view {
        assertEq(l2.totalSupply(), 0);
        assertEq(l2.bridge(), L2_BRIDGE);
        assertEq(l2.remoteToken(), address(l1));
        assertEq(l2.l1Token(), address(l1));
    }

    function test_RevertWhen_initialSupplyAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, CAP + 1, CAP));
        new OpenToken(address(0), address(0), CAP, holder, CAP + 1);
    }

    function test_RevertWhen_capIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20InvalidCap.selector, 0));
        new OpenToken(address(0), address(0), 0, holder, 0);
    }

    function test_RevertWhen_initialHolderIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        new OpenToken(address(0), address(0), CAP, address(0), 1);
    }

    function test_supportsInterface_opStackIds() public view {
        assertEq(type(IOptimismMintableERC20).interfaceId, bytes4(0xec4fc8e3));
        assertEq(type(ILegacyMintableERC20).interfaceId, bytes4(0x1d1d8b63));
        assertTrue(l2.supportsInterface(0x01ffc9a7));
        assertTrue(l2.supportsInterface(0xec4fc8e3));
        assertTrue(l2.supportsInterface(0x1d1d8b63));
        assertFalse(l2.supportsInterface(0xffffffff));
        assertFalse(l2.supportsInterface(type(IERC20).interfaceId));
    }

    function test_mint_byBridge() public {
        vm.expectEmit(address(l2));
        emit IERC20.Transfer(address(0), user, 5 ether);
        vm.expectEmit(address(l2));
        emit IOpenToken.Mint(user, 5 ether);
        vm.prank(L2_BRIDGE);
        l2.mint(user, 5 ether);
        assertEq(l2.balanceOf(user), 5 ether);
        assertEq(l2.totalSupply(), 5 ether);
    }

    function test_burn_byBridge() public {
        vm.startPrank(L2_BRIDGE);
        l2.mint(user, 5 ether);
        vm.expectEmit(address(l2));
        emit IOpenToken.Burn(user, 2 ether);
        l2.burn(user, 2 ether);
        vm.stopPrank();
        assertEq(l2.balanceOf(user), 3 ether);
        assertEq(l2.totalSupply(), 3 ether);
    }

    function test_RevertWhen_mintByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IOpenToken.OpenTokenOnlyBridge.selector, user));
        vm.prank(user);
        l2.mint(user, 1);
    }

    function test_RevertWhen_burnByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IOpenToken.OpenTokenOnlyBridge.selector, holder));
        vm.prank(holder);
        l1.burn(holder, 1);
    }

    function test_RevertWhen_mintOnHomeChainEvenFromZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IOpenToken.OpenTokenOnlyBridge.selector, address(0)));
        vm.prank(address(0));
        l1.mint(user, 1);
    }

    function test_RevertWhen_bridgeMintsAboveCap() public {
        vm.startPrank(L2_BRIDGE);
        l2.mint(user, CAP);
        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, CAP + 1, CAP));
        l2.mint(user, 1);
        vm.stopPrank();
    }

    function test_RevertWhen_bridgeBurnsMoreThanBalance() public {
        vm.startPrank(L2_BRIDGE);
        l2.mint(user, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, user, 1 ether, 2 ether));
        l2.burn(user, 2 ether);
        vm.stopPrank();
    }

    function test_permit_setsAllowanceFromSignature() public {
        (address owner, uint256 key) = makeAddrAndKey("permit owner");
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _permitDigest(owner, user, 7 ether, l1.nonces(owner), deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        l1.permit(owner, user, 7 ether, deadline, v, r, s);
        assertEq(l1.allowance(owner, user), 7 ether);
        assertEq(l1.nonces(owner), 1);
    }

    function test_RevertWhen_permitExpired() public {
        (address owner, uint256 key) = makeAddrAndKey("permit owner");
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _permitDigest(owner, user, 1, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        l1.permit(owner, user, 1, deadline, v, r, s);
    }

    function test_RevertWhen_permitSignedByAnotherKey() public {
        (address owner,) = makeAddrAndKey("permit owner");
        (address other, uint256 otherKey) = makeAddrAndKey("other");
        uint256 deadline = block.timestamp + 1;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(otherKey, _permitDigest(owner, user, 1, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, other, owner));
        l1.permit(owner, user, 1, deadline, v, r, s);
    }

    function testFuzz_bridgeMint_respectsCap(uint256 first, uint256 second) public {
        first = bound(first, 0, CAP);
        second = bound(second, 0, CAP);
        vm.startPrank(L2_BRIDGE);
        l2.mint(user, first);
        if (first + second > CAP) {
            vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, first + second, CAP));
        }
        l2.mint(user, second);
        vm.stopPrank();
        assertLe(l2.totalSupply(), CAP);
    }

    function testFuzz_bridgeRoundTrip_preservesSupply(uint256 amount, uint256 burned) public {
        amount = bound(amount, 0, CAP);
        burned = bound(burned, 0, amount);
        vm.startPrank(L2_BRIDGE);
        l2.mint(user, amount);
        l2.burn(user, burned);
        vm.stopPrank();
        assertEq(l2.totalSupply(), amount - burned);
        assertEq(l2.balanceOf(user), amount - burned);
    }

    function _permitDigest(address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                owner,
                spender,
                value,
                nonce,
                deadline
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", l1.DOMAIN_SEPARATOR(), structHash));
    }
}
