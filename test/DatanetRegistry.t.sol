// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

import {DatanetRegistry} from "../contracts/DatanetRegistry.sol";
import {OpenToken} from "../contracts/OpenToken.sol";
import {IDatanetRegistry} from "../contracts/interfaces/IDatanetRegistry.sol";

contract DatanetRegistryTest is Test {
    uint256 internal constant BOND = 10 ether;
    uint256 internal constant FEE = 25 ether;
    uint64 internal constant TIMEOUT = 3 days;
    uint64 internal constant MIN_TIMEOUT = 1 hours;
    uint64 internal constant MAX_TIMEOUT = 30 days;
    bytes32 internal constant HASH = keccak256("contribution one");
    bytes32 internal constant SALT = keccak256("bob's secret");

    OpenToken internal open;
    DatanetRegistry internal registry;

    address internal governance = makeAddr("governance");
    address internal treasury = makeAddr("treasury");
    address internal alice = makeAddr("alice"); // datanet owner
    address internal carol = makeAddr("carol"); // curator
    address internal bob = makeAddr("bob"); // contributor
    address internal dave = makeAddr("dave"); // reader
    address internal eve = makeAddr("eve"); // stranger

    uint256 internal datanetId;

    function setUp() public {
        open = new OpenToken(address(0), address(0), 1_000_000_000 ether, address(this), 100_000_000 ether);
        registry = new DatanetRegistry(IERC20(address(open)), governance, treasury, MIN_TIMEOUT, MAX_TIMEOUT);
        _fund(bob);
        _fund(dave);
        _fund(eve);
        datanetId = _createDatanet(alice, BOND, FEE);
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------

    function _fund(address who) internal {
        assertTrue(open.transfer(who, 1000 ether));
        vm.prank(who);
        open.approve(address(registry), type(uint256).max);
    }

    function _config(uint256 bond, uint256 fee, uint64 timeout)
        internal
        pure
        returns (IDatanetRegistry.DatanetConfig memory)
    {
        return IDatanetRegistry.DatanetConfig({
            metadataURI: "ipfs://datanet", contributionBond: bond, accessFee: fee, reviewTimeout: timeout
        });
    }

    function _createDatanet(address owner, uint256 bond, uint256 fee) internal returns (uint256 id) {
        address[] memory curators = new address[](1);
        curators[0] = carol;
        vm.prank(owner);
        id = registry.createDatanet(_config(bond, fee, TIMEOUT), curators);
    }

    function _contribute(address who, bytes32 contentHash) internal returns (uint256) {
        vm.prank(who);
        return registry.contribute(datanetId, contentHash, "blob://contribution");
    }

    function _commit(address who, uint256 inDatanet, bytes32 contentHash, bytes32 salt)
        internal
        returns (bytes32 commitment)
    {
        commitment = registry.contributionCommitment(inDatanet, contentHash, who, salt);
        vm.prank(who);
        registry.commitContribution(commitment);
    }

    function _reveal(address who, uint256 inDatanet, bytes32 contentHash, bytes32 salt) internal returns (uint256) {
        vm.prank(who);
        return registry.revealContribution(inDatanet, contentHash, "blob://contribution", type(uint256).max, salt);
    }

    function _status(uint256 contributionId) internal view returns (IDatanetRegistry.ContributionStatus) {
        return registry.getContribution(contributionId).status;
    }

    // ------------------------------------------------------------------------------------------------------
    // Construction and governance
    // ------------------------------------------------------------------------------------------------------

    function test_constructor_setsParameters() public view {
        assertEq(registry.open(), address(open));
        assertEq(registry.owner(), governance);
        assertEq(registry.treasury(), treasury);
        assertEq(registry.minReviewTimeout(), MIN_TIMEOUT);
        assertEq(registry.maxReviewTimeout(), MAX_TIMEOUT);
    }

    function test_RevertWhen_constructedWithZeroToken() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        new DatanetRegistry(IERC20(address(0)), governance, treasury, MIN_TIMEOUT, MAX_TIMEOUT);
    }

    function test_RevertWhen_constructedWithZeroTreasury() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        new DatanetRegistry(IERC20(address(open)), governance, address(0), MIN_TIMEOUT, MAX_TIMEOUT);
    }

    function test_RevertWhen_constructedWithInvertedBounds() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidReviewTimeoutBounds.selector, 2, 1));
        new DatanetRegistry(IERC20(address(open)), governance, treasury, 2, 1);
    }

    function test_setTreasury_updatesAndEmits() public {
        address next = makeAddr("next treasury");
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.TreasurySet(next);
        vm.prank(governance);
        registry.setTreasury(next);
        assertEq(registry.treasury(), next);
    }

    function test_RevertWhen_setTreasuryByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, eve));
        vm.prank(eve);
        registry.setTreasury(eve);
    }

    function test_RevertWhen_setTreasuryToZero() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(governance);
        registry.setTreasury(address(0));
    }

    function test_setReviewTimeoutBounds_updatesAndEmits() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ReviewTimeoutBoundsSet(1 days, 7 days);
        vm.prank(governance);
        registry.setReviewTimeoutBounds(1 days, 7 days);
        assertEq(registry.minReviewTimeout(), 1 days);
        assertEq(registry.maxReviewTimeout(), 7 days);
    }

    function test_RevertWhen_setReviewTimeoutBoundsByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        registry.setReviewTimeoutBounds(1, 2);
    }

    function test_RevertWhen_setReviewTimeoutBoundsWithZeroMin() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidReviewTimeoutBounds.selector, 0, 10));
        vm.prank(governance);
        registry.setReviewTimeoutBounds(0, 10);
    }

    // ------------------------------------------------------------------------------------------------------
    // Datanets
    // ------------------------------------------------------------------------------------------------------

    function test_createDatanet_storesAndEmits() public {
        address[] memory curators = new address[](2);
        curators[0] = carol;
        curators[1] = dave;
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetCreated(2, bob, "ipfs://datanet", 1, 2, TIMEOUT);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorAdded(2, carol);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorAdded(2, dave);
        vm.prank(bob);
        uint256 id = registry.createDatanet(_config(1, 2, TIMEOUT), curators);

        assertEq(id, 2);
        assertEq(registry.datanetCount(), 2);
        IDatanetRegistry.Datanet memory d = registry.getDatanet(id);
        assertEq(d.owner, bob);
        assertEq(d.createdAt, block.timestamp);
        assertEq(d.reviewTimeout, TIMEOUT);
        assertEq(d.curatorCount, 2);
        assertEq(d.contributionBond, 1);
        assertEq(d.accessFee, 2);
        assertEq(d.metadataURI, "ipfs://datanet");
        assertEq(registry.datanetOwner(id), bob);
        assertTrue(registry.isCurator(id, carol));
        assertTrue(registry.isCurator(id, dave));
    }

    function test_RevertWhen_createDatanetWithTimeoutBelowMin() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetReviewTimeoutOutOfBounds.selector, MIN_TIMEOUT - 1, MIN_TIMEOUT, MAX_TIMEOUT
            )
        );
        registry.createDatanet(_config(0, 0, MIN_TIMEOUT - 1), new address[](0));
    }

    function test_RevertWhen_createDatanetWithTimeoutAboveMax() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetReviewTimeoutOutOfBounds.selector, MAX_TIMEOUT + 1, MIN_TIMEOUT, MAX_TIMEOUT
            )
        );
        registry.createDatanet(_config(0, 0, MAX_TIMEOUT + 1), new address[](0));
    }

    function test_RevertWhen_createDatanetWithZeroCurator() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        registry.createDatanet(_config(0, 0, TIMEOUT), new address[](1));
    }

    function test_RevertWhen_createDatanetWithRepeatedCurator() public {
        address[] memory curators = new address[](2);
        curators[0] = carol;
        curators[1] = carol;
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetAlreadyCurator.selector, 2, carol));
        registry.createDatanet(_config(0, 0, TIMEOUT), curators);
    }

    function test_updateDatanet_storesAndEmits() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetUpdated(datanetId, "ipfs://v2", 7, 8, MAX_TIMEOUT);
        vm.prank(alice);
        registry.updateDatanet(datanetId, IDatanetRegistry.DatanetConfig("ipfs://v2", 7, 8, MAX_TIMEOUT));
        IDatanetRegistry.Datanet memory d = registry.getDatanet(datanetId);
        assertEq(d.metadataURI, "ipfs://v2");
        assertEq(d.contributionBond, 7);
        assertEq(d.accessFee, 8);
        assertEq(d.reviewTimeout, MAX_TIMEOUT);
    }

    function test_RevertWhen_updateDatanetByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, carol));
        vm.prank(carol);
        registry.updateDatanet(datanetId, _config(0, 0, TIMEOUT));
    }

    function test_RevertWhen_updateDatanetUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 9));
        vm.prank(alice);
        registry.updateDatanet(9, _config(0, 0, TIMEOUT));
    }

    function test_RevertWhen_updateDatanetWithTimeoutOutOfBounds() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetReviewTimeoutOutOfBounds.selector, 0, MIN_TIMEOUT, MAX_TIMEOUT
            )
        );
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(0, 0, 0));
    }

    function test_transferDatanetOwnership_movesOwnerAndAccess() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetOwnershipTransferred(datanetId, alice, eve);
        vm.prank(alice);
        registry.transferDatanetOwnership(datanetId, eve);
        assertEq(registry.datanetOwner(datanetId), eve);
        assertTrue(registry.hasAccess(datanetId, eve));
        assertFalse(registry.hasAccess(datanetId, alice));
    }

    function test_RevertWhen_transferDatanetOwnershipByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, eve));
        vm.prank(eve);
        registry.transferDatanetOwnership(datanetId, eve);
    }

    function test_RevertWhen_transferDatanetOwnershipToZero() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(alice);
        registry.transferDatanetOwnership(datanetId, address(0));
    }

    function test_addCurator_addsAndEmits() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorAdded(datanetId, dave);
        vm.prank(alice);
        registry.addCurator(datanetId, dave);
        assertTrue(registry.isCurator(datanetId, dave));
        assertEq(registry.getDatanet(datanetId).curatorCount, 2);
    }

    function test_RevertWhen_addCuratorByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, carol));
        vm.prank(carol);
        registry.addCurator(datanetId, dave);
    }

    function test_RevertWhen_addCuratorTwice() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetAlreadyCurator.selector, datanetId, carol));
        vm.prank(alice);
        registry.addCurator(datanetId, carol);
    }

    function test_RevertWhen_addCuratorZero() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(alice);
        registry.addCurator(datanetId, address(0));
    }

    function test_RevertWhen_addCuratorToUnknownDatanet() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 0));
        vm.prank(alice);
        registry.addCurator(0, dave);
    }

    function test_removeCurator_removesAndEmits() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorRemoved(datanetId, carol);
        vm.prank(alice);
        registry.removeCurator(datanetId, carol);
        assertFalse(registry.isCurator(datanetId, carol));
        assertFalse(registry.hasAccess(datanetId, carol));
        assertEq(registry.getDatanet(datanetId).curatorCount, 0);
    }

    function test_RevertWhen_removeCuratorNotListed() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, dave));
        vm.prank(alice);
        registry.removeCurator(datanetId, dave);
    }

    function test_RevertWhen_removeCuratorByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, carol));
        vm.prank(carol);
        registry.removeCurator(datanetId, carol);
    }

    // ------------------------------------------------------------------------------------------------------
    // Contributions
    // ------------------------------------------------------------------------------------------------------

    function test_contribute_pullsBondAndStores() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionSubmitted(1, datanetId, bob, HASH, "blob://contribution", BOND);
        uint256 id = _contribute(bob, HASH);

        assertEq(id, 1);
        assertEq(registry.contributionCount(), 1);
        assertEq(open.balanceOf(address(registry)), BOND);
        assertEq(open.balanceOf(bob), 1000 ether - BOND);
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(c.datanetId, datanetId);
        assertEq(c.contributor, bob);
        assertEq(c.payee, bob);
        assertEq(c.contentHash, HASH);
        assertEq(c.submittedAt, block.timestamp);
        assertEq(uint8(c.status), uint8(IDatanetRegistry.ContributionStatus.Pending));
        assertEq(c.reviewDeadline, block.timestamp + TIMEOUT);
        assertEq(c.commitBlock, 0);
        assertEq(c.bond, BOND);
        assertEq(c.uri, "blob://contribution");
        assertEq(registry.contributionOf(datanetId, HASH, bob), id);
        // A single-step copy claims nothing; only acceptance or a committed reveal indexes the hash.
        assertEq(registry.contributionByHash(datanetId, HASH), 0);
    }

    function test_contribute_idsAreGlobalAcrossDatanets() public {
        uint256 other = _createDatanet(alice, 0, 0);
        uint256 first = _contribute(bob, HASH);
        vm.prank(bob);
        uint256 second = registry.contribute(other, HASH, "blob://same-file-elsewhere");
        assertEq(first, 1);
        assertEq(second, 2);
        assertEq(registry.getContribution(second).datanetId, other);
        assertEq(registry.getContribution(second).bond, 0);
        assertEq(open.balanceOf(address(registry)), BOND);
    }

    function test_contribute_keepsBondWhenOwnerChangesIt() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND * 3, FEE, MIN_TIMEOUT));
        vm.prank(carol);
        registry.acceptContribution(id);
        assertEq(open.balanceOf(bob), 1000 ether);
        assertEq(open.balanceOf(address(registry)), 0);
    }

    function test_RevertWhen_contributeToUnknownDatanet() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 42));
        vm.prank(bob);
        registry.contribute(42, HASH, "blob://x");
    }

    function test_RevertWhen_contributeZeroHash() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroContentHash.selector);
        _contribute(bob, bytes32(0));
    }

    function test_RevertWhen_contributeOwnPendingDuplicate() public {
        uint256 id = _contribute(bob, HASH);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetDuplicateContent.selector, datanetId, HASH, id));
        _contribute(bob, HASH);
    }

    function test_contribute_othersPendingCopyDoesNotBlock() public {
        uint256 first = _contribute(bob, HASH);
        uint256 second = _contribute(eve, HASH);
        assertEq(registry.contributionOf(datanetId, HASH, bob), first);
        assertEq(registry.contributionOf(datanetId, HASH, eve), second);
        assertEq(open.balanceOf(address(registry)), 2 * BOND);
    }

    function test_RevertWhen_acceptSecondCopyAfterFirstAccepted() public {
        uint256 first = _contribute(bob, HASH);
        uint256 second = _contribute(eve, HASH);
        vm.prank(carol);
        registry.acceptContribution(second);
        assertEq(registry.contributionByHash(datanetId, HASH), second);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetDuplicateContent.selector, datanetId, HASH, second)
        );
        vm.prank(carol);
        registry.acceptContribution(first);
        // The loser can still be rejected (or withdrawn at its deadline).
        vm.prank(carol);
        registry.rejectContribution(first);
        assertEq(registry.contributionByHash(datanetId, HASH), second);
    }

    function test_contribute_againAfterOwnWithdrawal() public {
        uint256 id = _contribute(bob, HASH);
        vm.warp(block.timestamp + TIMEOUT);
        vm.prank(bob);
        registry.withdrawContribution(id);
        uint256 again = _contribute(bob, HASH);
        assertEq(registry.contributionOf(datanetId, HASH, bob), again);
    }

    function test_RevertWhen_contributeAgainAfterOwnRejection() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(carol);
        registry.rejectContribution(id);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContentRejected.selector, datanetId, HASH, id));
        _contribute(bob, HASH);
        // The rejection binds bob in this datanet only.
        uint256 other = _createDatanet(alice, 0, 0);
        vm.prank(bob);
        registry.contribute(other, HASH, "blob://elsewhere");
    }

    function test_RevertWhen_contributeDuplicateOfAcceptedContent() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(carol);
        registry.acceptContribution(id);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetDuplicateContent.selector, datanetId, HASH, id));
        _contribute(eve, HASH);
    }

    function test_contribute_allowsContentAgainAfterRejection() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(carol);
        registry.rejectContribution(id);
        assertEq(registry.contributionByHash(datanetId, HASH), 0);
        uint256 again = _contribute(eve, HASH);
        vm.prank(carol);
        registry.acceptContribution(again);
        assertEq(registry.contributionByHash(datanetId, HASH), again);
    }

    function test_RevertWhen_contributeWithoutAllowance() public {
        address poor = makeAddr("poor");
        assertTrue(open.transfer(poor, BOND));
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(registry), 0, BOND)
        );
        _contribute(poor, HASH);
    }

    function test_RevertWhen_contributeWithInsufficientBalance() public {
        address poor = makeAddr("poor");
        assertTrue(open.transfer(poor, BOND - 1));
        vm.prank(poor);
        open.approve(address(registry), BOND);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, poor, BOND - 1, BOND));
        _contribute(poor, HASH);
    }

    function test_acceptContribution_refundsBond() public {
        uint256 id = _contribute(bob, HASH);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionAccepted(id, datanetId, carol);
        vm.prank(carol);
        registry.acceptContribution(id);
        assertEq(uint8(_status(id)), uint8(IDatanetRegistry.ContributionStatus.Accepted));
        assertEq(open.balanceOf(bob), 1000 ether);
        assertEq(open.balanceOf(address(registry)), 0);
    }

    function test_acceptContribution_byDatanetOwner() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(alice);
        registry.acceptContribution(id);
        assertEq(uint8(_status(id)), uint8(IDatanetRegistry.ContributionStatus.Accepted));
    }

    function test_acceptContribution_refundsContributorNotPayee() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(bob);
        registry.setPayee(id, dave);
        vm.prank(carol);
        registry.acceptContribution(id);
        assertEq(open.balanceOf(bob), 1000 ether);
        assertEq(open.balanceOf(dave), 1000 ether);
    }

    function test_RevertWhen_acceptContributionByStranger() public {
        uint256 id = _contribute(bob, HASH);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, eve));
        vm.prank(eve);
        registry.acceptContribution(id);
    }

    function test_RevertWhen_acceptContributionByCuratorOfAnotherDatanet() public {
        uint256 id = _contribute(bob, HASH);
        address[] memory curators = new address[](1);
        curators[0] = eve;
        vm.prank(dave);
        registry.createDatanet(_config(0, 0, TIMEOUT), curators);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, eve));
        vm.prank(eve);
        registry.acceptContribution(id);
    }

    function test_RevertWhen_acceptContributionTwice() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(carol);
        registry.acceptContribution(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionNotPending.selector,
                id,
                IDatanetRegistry.ContributionStatus.Accepted
            )
        );
        vm.prank(carol);
        registry.acceptContribution(id);
    }

    function test_RevertWhen_acceptOwnContribution() public {
        _fund(carol);
        vm.prank(carol);
        uint256 id = registry.contribute(datanetId, HASH, "blob://mine");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetSelfReview.selector, id, carol));
        vm.prank(carol);
        registry.acceptContribution(id);
    }

    function test_RevertWhen_acceptUnknownContribution() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownContribution.selector, 5));
        vm.prank(carol);
        registry.acceptContribution(5);
    }

    function test_rejectContribution_slashesBondToTreasury() public {
        uint256 id = _contribute(bob, HASH);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionRejected(id, datanetId, carol, treasury, BOND);
        vm.prank(carol);
        registry.rejectContribution(id);
        assertEq(uint8(_status(id)), uint8(IDatanetRegistry.ContributionStatus.Rejected));
        assertEq(open.balanceOf(treasury), BOND);
        assertEq(open.balanceOf(bob), 1000 ether - BOND);
        assertEq(open.balanceOf(address(registry)), 0);
    }

    function test_RevertWhen_rejectAfterAccept() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(carol);
        registry.acceptContribution(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionNotPending.selector,
                id,
                IDatanetRegistry.ContributionStatus.Accepted
            )
        );
        vm.prank(alice);
        registry.rejectContribution(id);
    }

    function test_RevertWhen_rejectByRemovedCurator() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(alice);
        registry.removeCurator(datanetId, carol);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, carol));
        vm.prank(carol);
        registry.rejectContribution(id);
    }

    function test_RevertWhen_rejectOwnContribution() public {
        _fund(alice);
        vm.prank(alice);
        uint256 id = registry.contribute(datanetId, HASH, "blob://owners");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetSelfReview.selector, id, alice));
        vm.prank(alice);
        registry.rejectContribution(id);
    }

    function test_withdrawContribution_afterTimeoutRefundsBond() public {
        uint256 id = _contribute(bob, HASH);
        vm.warp(block.timestamp + TIMEOUT);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionWithdrawn(id, datanetId, BOND);
        vm.prank(bob);
        registry.withdrawContribution(id);
        assertEq(uint8(_status(id)), uint8(IDatanetRegistry.ContributionStatus.Withdrawn));
        assertEq(open.balanceOf(bob), 1000 ether);
        assertEq(registry.contributionByHash(datanetId, HASH), 0);
    }

    function test_RevertWhen_withdrawBeforeTimeout() public {
        uint256 id = _contribute(bob, HASH);
        uint64 availableAt = uint64(block.timestamp) + TIMEOUT;
        vm.warp(availableAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetReviewPending.selector, id, availableAt));
        vm.prank(bob);
        registry.withdrawContribution(id);
    }

    function test_RevertWhen_withdrawByStranger() public {
        uint256 id = _contribute(bob, HASH);
        vm.warp(block.timestamp + TIMEOUT);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotContributor.selector, id, eve));
        vm.prank(eve);
        registry.withdrawContribution(id);
    }

    function test_RevertWhen_withdrawAfterRejection() public {
        uint256 id = _contribute(bob, HASH);
        vm.prank(carol);
        registry.rejectContribution(id);
        vm.warp(block.timestamp + TIMEOUT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionNotPending.selector,
                id,
                IDatanetRegistry.ContributionStatus.Rejected
            )
        );
        vm.prank(bob);
        registry.withdrawContribution(id);
    }

    function test_RevertWhen_withdrawUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownContribution.selector, 3));
        vm.prank(bob);
        registry.withdrawContribution(3);
    }

    function test_commitContribution_storesBlockAndEmits() public {
        bytes32 commitment = registry.contributionCommitment(datanetId, HASH, bob, SALT);
        assertEq(commitment, keccak256(abi.encode(datanetId, HASH, bob, SALT)));
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionCommitted(bob, commitment);
        vm.prank(bob);
        registry.commitContribution(commitment);
        assertEq(registry.commitmentBlock(bob, commitment), block.number);
        assertEq(registry.commitmentBlock(eve, commitment), 0);
        assertEq(open.balanceOf(address(registry)), 0);
    }

    function test_RevertWhen_commitContributionTwice() public {
        bytes32 commitment = _commit(bob, datanetId, HASH, SALT);
        uint64 at = uint64(block.number);
        vm.roll(block.number + 5);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetCommitmentExists.selector, bob, commitment, at));
        vm.prank(bob);
        registry.commitContribution(commitment);
    }

    function test_revealContribution_claimsHashAndStores() public {
        bytes32 commitment = _commit(bob, datanetId, HASH, SALT);
        uint64 at = uint64(block.number);
        vm.roll(block.number + 1);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionSubmitted(1, datanetId, bob, HASH, "blob://contribution", BOND);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContentClaimed(datanetId, HASH, 1, at);
        uint256 id = _reveal(bob, datanetId, HASH, SALT);

        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(c.contributor, bob);
        assertEq(c.commitBlock, at);
        assertEq(c.reviewDeadline, block.timestamp + TIMEOUT);
        assertEq(c.bond, BOND);
        assertEq(registry.contributionByHash(datanetId, HASH), id);
        assertEq(registry.commitmentBlock(bob, commitment), 0);
        assertEq(open.balanceOf(address(registry)), BOND);
    }

    function test_RevertWhen_revealInCommitBlock() public {
        bytes32 commitment = _commit(bob, datanetId, HASH, SALT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetCommitmentTooRecent.selector, commitment, uint64(block.number)
            )
        );
        _reveal(bob, datanetId, HASH, SALT);
    }

    function test_RevertWhen_revealWithWrongSalt() public {
        _commit(bob, datanetId, HASH, SALT);
        vm.roll(block.number + 1);
        bytes32 wrong = registry.contributionCommitment(datanetId, HASH, bob, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownCommitment.selector, bob, wrong));
        _reveal(bob, datanetId, HASH, bytes32(0));
    }

    function test_RevertWhen_revealAnotherAccountsCommitment() public {
        _commit(bob, datanetId, HASH, SALT);
        vm.roll(block.number + 1);
        // Even knowing everything bob's reveal discloses, eve's reveal is checked against eve's commitments.
        bytes32 asEve = registry.contributionCommitment(datanetId, HASH, eve, SALT);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownCommitment.selector, eve, asEve));
        _reveal(eve, datanetId, HASH, SALT);
    }

    function test_RevertWhen_revealTwice() public {
        bytes32 commitment = _commit(bob, datanetId, HASH, SALT);
        vm.roll(block.number + 1);
        uint256 id = _reveal(bob, datanetId, HASH, SALT);
        vm.warp(block.timestamp + TIMEOUT);
        vm.prank(bob);
        registry.withdrawContribution(id);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownCommitment.selector, bob, commitment));
        _reveal(bob, datanetId, HASH, SALT);
    }

    function test_RevertWhen_revealBondRaisedAboveMax() public {
        bytes32 commitment = _commit(bob, datanetId, HASH, SALT);
        vm.roll(block.number + 1);
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(500 ether, FEE, TIMEOUT));
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetBondAboveMax.selector, datanetId, 500 ether, BOND)
        );
        vm.prank(bob);
        registry.revealContribution(datanetId, HASH, "blob://contribution", BOND, SALT);
        // A failed reveal keeps the commitment.
        assertEq(registry.commitmentBlock(bob, commitment), block.number - 1);
    }

    function test_RevertWhen_revealDuplicateOfAccepted() public {
        uint256 accepted = _contribute(eve, HASH);
        vm.prank(carol);
        registry.acceptContribution(accepted);
        _commit(bob, datanetId, HASH, SALT);
        vm.roll(block.number + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetDuplicateContent.selector, datanetId, HASH, accepted)
        );
        _reveal(bob, datanetId, HASH, SALT);
    }

    function test_revealContribution_sameCommitBlockKeepsFirstRevealer() public {
        _commit(bob, datanetId, HASH, SALT);
        _commit(eve, datanetId, HASH, SALT);
        vm.roll(block.number + 1);
        uint256 first = _reveal(eve, datanetId, HASH, SALT);
        uint256 second = _reveal(bob, datanetId, HASH, SALT);
        assertEq(registry.contributionByHash(datanetId, HASH), first);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContentClaimed.selector, datanetId, HASH, first));
        vm.prank(carol);
        registry.acceptContribution(second);
    }

    function test_acceptContribution_otherCopyOnceClaimantRejected() public {
        _commit(bob, datanetId, HASH, SALT);
        vm.roll(block.number + 1);
        uint256 claimant = _reveal(bob, datanetId, HASH, SALT);
        uint256 other = _contribute(eve, HASH);
        vm.prank(carol);
        registry.rejectContribution(claimant);
        assertEq(registry.contributionByHash(datanetId, HASH), 0);
        vm.prank(carol);
        registry.acceptContribution(other);
        assertEq(registry.contributionByHash(datanetId, HASH), other);
    }

    function test_withdrawContribution_releasesClaim() public {
        _commit(bob, datanetId, HASH, SALT);
        vm.roll(block.number + 1);
        uint256 claimant = _reveal(bob, datanetId, HASH, SALT);
        uint256 other = _contribute(eve, HASH);
        vm.warp(block.timestamp + TIMEOUT);
        vm.prank(bob);
        registry.withdrawContribution(claimant);
        assertEq(registry.contributionByHash(datanetId, HASH), 0);
        vm.prank(carol);
        registry.acceptContribution(other);
    }

    function test_setPayee_byContributorThenByPayee() public {
        uint256 id = _contribute(bob, HASH);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.PayeeChanged(id, bob, dave);
        vm.prank(bob);
        registry.setPayee(id, dave);
        assertEq(registry.getContribution(id).payee, dave);

        vm.prank(dave);
        registry.setPayee(id, eve);
        assertEq(registry.getContribution(id).payee, eve);

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotContributorOrPayee.selector, id, dave));
        vm.prank(dave);
        registry.setPayee(id, dave);

        vm.prank(bob);
        registry.setPayee(id, bob);
        assertEq(registry.getContribution(id).payee, bob);
    }

    function test_RevertWhen_setPayeeByStranger() public {
        uint256 id = _contribute(bob, HASH);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotContributorOrPayee.selector, id, eve));
        vm.prank(eve);
        registry.setPayee(id, eve);
    }

    function test_RevertWhen_setPayeeToZero() public {
        uint256 id = _contribute(bob, HASH);
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(bob);
        registry.setPayee(id, address(0));
    }

    function test_RevertWhen_setPayeeUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownContribution.selector, 1));
        vm.prank(bob);
        registry.setPayee(1, dave);
    }

    // ------------------------------------------------------------------------------------------------------
    // Attacks from the adversarial review
    // ------------------------------------------------------------------------------------------------------

    /// @dev Eve watches the mempool and lands bob's content hash first on a zero-bond datanet.
    function test_attack_frontRunSquatDoesNotBlockHonestContributor() public {
        uint256 free = _createDatanet(alice, 0, 0);
        vm.prank(eve);
        uint256 squat = registry.contribute(free, HASH, "blob://copied");
        vm.prank(bob);
        uint256 honest = registry.contribute(free, HASH, "blob://contribution");
        assertEq(uint8(_status(honest)), uint8(IDatanetRegistry.ContributionStatus.Pending));

        vm.prank(carol);
        registry.acceptContribution(honest);
        assertEq(registry.contributionByHash(free, HASH), honest);
        vm.prank(carol);
        registry.rejectContribution(squat);
        assertEq(uint8(_status(squat)), uint8(IDatanetRegistry.ContributionStatus.Rejected));
    }

    /// @dev Rejected, eve squats the same hash again at no cost, as often as she is rejected.
    function test_attack_squatAgainAfterRejectionIsRefused() public {
        uint256 free = _createDatanet(alice, 0, 0);
        vm.prank(eve);
        uint256 squat = registry.contribute(free, HASH, "blob://copied");
        vm.prank(carol);
        registry.rejectContribution(squat);

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContentRejected.selector, free, HASH, squat));
        vm.prank(eve);
        registry.contribute(free, HASH, "blob://copied");

        vm.prank(bob);
        uint256 honest = registry.contribute(free, HASH, "blob://contribution");
        assertEq(registry.getContribution(honest).contributor, bob);
    }

    /// @dev The owner lengthens the review timeout after bob submitted, locking his bond longer than agreed.
    function test_attack_raisedTimeoutDoesNotLockPendingBond() public {
        uint256 id = _contribute(bob, HASH);
        uint64 deadline = uint64(block.timestamp) + TIMEOUT;
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND, FEE, MAX_TIMEOUT));
        vm.warp(deadline);
        vm.prank(bob);
        registry.withdrawContribution(id);
        assertEq(open.balanceOf(bob), 1000 ether);
    }

    /// @dev Bob commits; when his reveal shows the hash in the mempool, eve front-runs it with a single-step copy and,
    /// the reveal still stuck, from a second account with a commitment of its own revealed before his.
    function test_attack_frontRunRevealLosesToFirstCommitter() public {
        uint256 free = _createDatanet(alice, 0, 0);
        _commit(bob, free, HASH, SALT);
        vm.roll(block.number + 1);
        vm.prank(eve);
        uint256 copied = registry.contribute(free, HASH, "blob://copied");
        address sybil = makeAddr("eve's second account");
        _commit(sybil, free, HASH, keccak256("eve"));
        vm.roll(block.number + 1);
        uint256 committedCopy = _reveal(sybil, free, HASH, keccak256("eve"));
        assertEq(registry.contributionByHash(free, HASH), committedCopy);

        uint256 honest = _reveal(bob, free, HASH, SALT);
        assertEq(registry.contributionByHash(free, HASH), honest);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContentClaimed.selector, free, HASH, honest));
        vm.prank(carol);
        registry.acceptContribution(copied);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContentClaimed.selector, free, HASH, honest));
        vm.prank(carol);
        registry.acceptContribution(committedCopy);

        vm.prank(carol);
        registry.acceptContribution(honest);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetDuplicateContent.selector, free, HASH, honest));
        vm.prank(carol);
        registry.acceptContribution(committedCopy);
    }

    /// @dev Lowering the timeout after submission does not shorten the review either: both sides keep the terms.
    function test_withdrawContribution_loweredTimeoutKeepsDeadline() public {
        uint256 id = _contribute(bob, HASH);
        uint64 deadline = uint64(block.timestamp) + TIMEOUT;
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND, FEE, MIN_TIMEOUT));
        vm.warp(block.timestamp + MIN_TIMEOUT);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetReviewPending.selector, id, deadline));
        vm.prank(bob);
        registry.withdrawContribution(id);
    }

    // ------------------------------------------------------------------------------------------------------
    // Access
    // ------------------------------------------------------------------------------------------------------

    function test_requestAccess_escrowsFee() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.AccessRequested(datanetId, dave, FEE);
        vm.prank(dave);
        registry.requestAccess(datanetId);
        IDatanetRegistry.AccessRecord memory record = registry.accessOf(datanetId, dave);
        assertEq(uint8(record.status), uint8(IDatanetRegistry.AccessStatus.Requested));
        assertEq(record.escrowedFee, FEE);
        assertEq(open.balanceOf(address(registry)), FEE);
        assertFalse(registry.hasAccess(datanetId, dave));
    }

    function test_RevertWhen_accessFeeRaisedAboveMax() public {
        // The owner sees dave's request coming and raises the fee to what dave's allowance allows.
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND, 900 ether, TIMEOUT));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetFeeAboveMax.selector, datanetId, 900 ether, FEE));
        vm.prank(dave);
        registry.requestAccess(datanetId, FEE);
        // At the fee dave agreed to, the request goes through and escrows exactly that.
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND, FEE, TIMEOUT));
        vm.prank(dave);
        registry.requestAccess(datanetId, FEE);
        assertEq(registry.accessOf(datanetId, dave).escrowedFee, FEE);
        assertEq(open.balanceOf(address(registry)), FEE);
    }

    function test_RevertWhen_contributionBondRaisedAboveMax() public {
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(500 ether, FEE, TIMEOUT));
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetBondAboveMax.selector, datanetId, 500 ether, BOND)
        );
        vm.prank(bob);
        registry.contribute(datanetId, keccak256("file"), "blob://contribution", BOND);
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND, FEE, TIMEOUT));
        vm.prank(bob);
        uint256 id = registry.contribute(datanetId, keccak256("file"), "blob://contribution", BOND);
        assertEq(registry.getContribution(id).bond, BOND);
        assertEq(open.balanceOf(address(registry)), BOND);
    }

    function test_RevertWhen_requestAccessTwice() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetAccessAlreadyRequested.selector, datanetId, dave)
        );
        vm.prank(dave);
        registry.requestAccess(datanetId);
    }

    function test_RevertWhen_requestAccessAsOwnerOrCurator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetAccessAlreadyGranted.selector, datanetId, alice));
        vm.prank(alice);
        registry.requestAccess(datanetId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetAccessAlreadyGranted.selector, datanetId, carol));
        vm.prank(carol);
        registry.requestAccess(datanetId);
    }

    function test_RevertWhen_requestAccessWhenGranted() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.prank(alice);
        registry.approveAccess(datanetId, dave);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetAccessAlreadyGranted.selector, datanetId, dave));
        vm.prank(dave);
        registry.requestAccess(datanetId);
    }

    function test_RevertWhen_requestAccessUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 2));
        vm.prank(dave);
        registry.requestAccess(2);
    }

    function test_RevertWhen_requestAccessWithoutAllowance() public {
        address poor = makeAddr("poor");
        assertTrue(open.transfer(poor, FEE));
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(registry), 0, FEE)
        );
        vm.prank(poor);
        registry.requestAccess(datanetId);
    }

    function test_approveAccess_paysOwnerAndGrants() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.AccessGranted(datanetId, dave, FEE);
        vm.prank(alice);
        registry.approveAccess(datanetId, dave);
        assertTrue(registry.hasAccess(datanetId, dave));
        assertEq(open.balanceOf(alice), FEE);
        assertEq(open.balanceOf(address(registry)), 0);
        IDatanetRegistry.AccessRecord memory record = registry.accessOf(datanetId, dave);
        assertEq(uint8(record.status), uint8(IDatanetRegistry.AccessStatus.Granted));
        assertEq(record.escrowedFee, 0);
    }

    function test_approveAccess_paysEscrowedFeeNotCurrentFee() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND, FEE * 4, TIMEOUT));
        vm.prank(alice);
        registry.approveAccess(datanetId, dave);
        assertEq(open.balanceOf(alice), FEE);
    }

    function test_approveAccess_freeDatanetMovesNoTokens() public {
        uint256 free = _createDatanet(alice, 0, 0);
        vm.prank(dave);
        registry.requestAccess(free);
        vm.prank(alice);
        registry.approveAccess(free, dave);
        assertTrue(registry.hasAccess(free, dave));
        assertEq(open.balanceOf(alice), 0);
    }

    function test_RevertWhen_approveAccessByStranger() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, carol));
        vm.prank(carol);
        registry.approveAccess(datanetId, dave);
    }

    function test_RevertWhen_approveAccessWithoutRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNoAccessRequest.selector, datanetId, dave));
        vm.prank(alice);
        registry.approveAccess(datanetId, dave);
    }

    function test_RevertWhen_approveAccessUnknownDatanet() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 7));
        vm.prank(alice);
        registry.approveAccess(7, dave);
    }

    function test_denyAccess_refundsAndAllowsNewRequest() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.AccessDenied(datanetId, dave, FEE);
        vm.prank(alice);
        registry.denyAccess(datanetId, dave);
        assertEq(open.balanceOf(dave), 1000 ether);
        assertFalse(registry.hasAccess(datanetId, dave));
        assertEq(uint8(registry.accessOf(datanetId, dave).status), uint8(IDatanetRegistry.AccessStatus.Denied));

        vm.prank(dave);
        registry.requestAccess(datanetId);
        assertEq(open.balanceOf(address(registry)), FEE);
    }

    function test_RevertWhen_denyAccessTwice() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.prank(alice);
        registry.denyAccess(datanetId, dave);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNoAccessRequest.selector, datanetId, dave));
        vm.prank(alice);
        registry.denyAccess(datanetId, dave);
    }

    function test_RevertWhen_denyAccessByStranger() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, dave));
        vm.prank(dave);
        registry.denyAccess(datanetId, dave);
    }

    function test_cancelAccessRequest_refunds() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.AccessRequestCancelled(datanetId, dave, FEE);
        vm.prank(dave);
        registry.cancelAccessRequest(datanetId);
        assertEq(open.balanceOf(dave), 1000 ether);
        assertEq(uint8(registry.accessOf(datanetId, dave).status), uint8(IDatanetRegistry.AccessStatus.Cancelled));
    }

    function test_RevertWhen_cancelWithoutRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNoAccessRequest.selector, datanetId, dave));
        vm.prank(dave);
        registry.cancelAccessRequest(datanetId);
    }

    function test_RevertWhen_cancelAfterApproval() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.prank(alice);
        registry.approveAccess(datanetId, dave);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNoAccessRequest.selector, datanetId, dave));
        vm.prank(dave);
        registry.cancelAccessRequest(datanetId);
    }

    function test_revokeAccess_removesAccess() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.prank(alice);
        registry.approveAccess(datanetId, dave);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.AccessRevoked(datanetId, dave);
        vm.prank(alice);
        registry.revokeAccess(datanetId, dave);
        assertFalse(registry.hasAccess(datanetId, dave));
        assertEq(uint8(registry.accessOf(datanetId, dave).status), uint8(IDatanetRegistry.AccessStatus.Revoked));
    }

    function test_RevertWhen_revokeAccessNotGranted() public {
        vm.prank(dave);
        registry.requestAccess(datanetId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetAccessNotGranted.selector, datanetId, dave));
        vm.prank(alice);
        registry.revokeAccess(datanetId, dave);
    }

    function test_RevertWhen_revokeAccessByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, carol));
        vm.prank(carol);
        registry.revokeAccess(datanetId, dave);
    }

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    function test_RevertWhen_viewingUnknownIds() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 2));
        registry.getDatanet(2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 0));
        registry.datanetOwner(0);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 3));
        registry.hasAccess(3, alice);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownContribution.selector, 0));
        registry.getContribution(0);
    }

    function test_contributionPayout_followsPayeeAndStatus() public {
        uint256 id = _contribute(bob, HASH);
        (uint256 datanet, address payee, IDatanetRegistry.ContributionStatus status) = registry.contributionPayout(id);
        assertEq(datanet, datanetId);
        assertEq(payee, bob);
        assertEq(uint8(status), uint8(IDatanetRegistry.ContributionStatus.Pending));
        vm.prank(bob);
        registry.setPayee(id, dave);
        vm.prank(carol);
        registry.acceptContribution(id);
        (, payee, status) = registry.contributionPayout(id);
        assertEq(payee, dave);
        assertEq(uint8(status), uint8(IDatanetRegistry.ContributionStatus.Accepted));
    }

    function test_RevertWhen_contributionPayoutUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownContribution.selector, 1));
        registry.contributionPayout(1);
    }

    function test_hasAccess_ownerCuratorGrantedOnly() public view {
        assertTrue(registry.hasAccess(datanetId, alice));
        assertTrue(registry.hasAccess(datanetId, carol));
        assertFalse(registry.hasAccess(datanetId, dave));
        assertFalse(registry.isCurator(datanetId, alice));
    }

    // ------------------------------------------------------------------------------------------------------
    // Fuzz
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_contributeAndReview_movesExactlyTheBond(uint256 bond, bool accept) public {
        bond = bound(bond, 0, 1000 ether);
        uint256 id = _createDatanet(alice, bond, 0);
        vm.prank(bob);
        uint256 contributionId = registry.contribute(id, HASH, "blob://fuzz");
        assertEq(open.balanceOf(address(registry)), bond);
        vm.prank(carol);
        if (accept) {
            registry.acceptContribution(contributionId);
            assertEq(open.balanceOf(bob), 1000 ether);
        } else {
            registry.rejectContribution(contributionId);
            assertEq(open.balanceOf(treasury), bond);
            assertEq(open.balanceOf(bob), 1000 ether - bond);
        }
        assertEq(open.balanceOf(address(registry)), 0);
    }

    function testFuzz_withdraw_onlyFromTimeout(uint64 timeout, uint64 elapsed) public {
        timeout = uint64(bound(timeout, MIN_TIMEOUT, MAX_TIMEOUT));
        elapsed = uint64(bound(elapsed, 0, uint256(MAX_TIMEOUT) * 2));
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND, FEE, timeout));
        uint256 id = _contribute(bob, HASH);
        uint64 availableAt = uint64(block.timestamp) + timeout;
        vm.warp(block.timestamp + elapsed);
        if (elapsed < timeout) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetReviewPending.selector, id, availableAt));
        }
        vm.prank(bob);
        registry.withdrawContribution(id);
    }

    function testFuzz_withdraw_deadlineFixedAtSubmission(uint64 later, uint64 elapsed) public {
        later = uint64(bound(later, MIN_TIMEOUT, MAX_TIMEOUT));
        elapsed = uint64(bound(elapsed, 0, uint256(MAX_TIMEOUT) * 2));
        uint256 id = _contribute(bob, HASH);
        uint64 deadline = uint64(block.timestamp) + TIMEOUT;
        vm.prank(alice);
        registry.updateDatanet(datanetId, _config(BOND, FEE, later));
        vm.warp(block.timestamp + elapsed);
        if (elapsed < TIMEOUT) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetReviewPending.selector, id, deadline));
        }
        vm.prank(bob);
        registry.withdrawContribution(id);
    }

    function testFuzz_reveal_earliestCommitClaims(uint8 bobDelay, uint8 eveDelay, bool bobRevealsFirst) public {
        uint256 start = block.number;
        vm.roll(start + bobDelay);
        _commit(bob, datanetId, HASH, SALT);
        vm.roll(start + eveDelay);
        _commit(eve, datanetId, HASH, SALT);
        vm.roll(start + uint256(bobDelay > eveDelay ? bobDelay : eveDelay) + 1);
        uint256 bobs;
        uint256 eves;
        if (bobRevealsFirst) {
            bobs = _reveal(bob, datanetId, HASH, SALT);
            eves = _reveal(eve, datanetId, HASH, SALT);
        } else {
            eves = _reveal(eve, datanetId, HASH, SALT);
            bobs = _reveal(bob, datanetId, HASH, SALT);
        }
        uint256 expected = bobDelay < eveDelay || (bobDelay == eveDelay && bobRevealsFirst) ? bobs : eves;
        assertEq(registry.contributionByHash(datanetId, HASH), expected);
        vm.prank(carol);
        registry.acceptContribution(expected);
    }

    function testFuzz_accessFee_escrowedAndPaidExactly(uint256 fee, uint8 outcome) public {
        fee = bound(fee, 0, 1000 ether);
        uint256 id = _createDatanet(alice, 0, fee);
        vm.prank(dave);
        registry.requestAccess(id);
        assertEq(open.balanceOf(address(registry)), fee);
        outcome %= 3;
        if (outcome == 0) {
            vm.prank(alice);
            registry.approveAccess(id, dave);
            assertEq(open.balanceOf(alice), fee);
            assertEq(open.balanceOf(dave), 1000 ether - fee);
        } else if (outcome == 1) {
            vm.prank(alice);
            registry.denyAccess(id, dave);
            assertEq(open.balanceOf(dave), 1000 ether);
        } else {
            vm.prank(dave);
            registry.cancelAccessRequest(id);
            assertEq(open.balanceOf(dave), 1000 ether);
        }
        assertEq(open.balanceOf(address(registry)), 0);
        assertEq(registry.hasAccess(id, dave), outcome == 0);
    }

    function testFuzz_unknownIds_revert(uint256 datanet, uint256 contribution) public {
        vm.assume(datanet != datanetId);
        vm.assume(contribution != 0);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, datanet));
        registry.datanetOwner(datanet);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknownContribution.selector, contribution));
        registry.getContribution(contribution);
    }
}
