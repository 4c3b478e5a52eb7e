// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {DatanetRegistry} from "../../contracts/DatanetRegistry.sol";
import {OpenToken} from "../../contracts/OpenToken.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";

/// @notice Drives DatanetRegistry through random but well-formed sequences of calls by a few actors.
contract DatanetRegistryHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant MAX_AMOUNT = 100 ether;

    DatanetRegistry public immutable registry;
    OpenToken public immutable open;
    address[] internal _actors;

    constructor(DatanetRegistry registry_, OpenToken open_, address[] memory actors_) {
        registry = registry_;
        open = open_;
        _actors = actors_;
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _datanet(uint256 seed) internal view returns (uint256) {
        return bound(seed, 1, registry.datanetCount());
    }

    function _contribution(uint256 seed) internal view returns (uint256) {
        return bound(seed, 1, registry.contributionCount());
    }

    function createDatanet(uint256 ownerSeed, uint256 curatorSeed, uint256 bond, uint256 fee, uint64 timeout) external {
        address[] memory curators = new address[](1);
        curators[0] = _actor(curatorSeed);
        timeout = uint64(bound(timeout, registry.minReviewTimeout(), registry.maxReviewTimeout()));
        vm.prank(_actor(ownerSeed));
        registry.createDatanet(
            IDatanetRegistry.DatanetConfig("ipfs://d", bound(bond, 0, MAX_AMOUNT), bound(fee, 0, MAX_AMOUNT), timeout),
            curators
        );
    }

    function updateDatanet(uint256 datanetSeed, uint256 bond, uint256 fee) external {
        if (registry.datanetCount() == 0) return;
        uint256 datanetId = _datanet(datanetSeed);
        IDatanetRegistry.Datanet memory d = registry.getDatanet(datanetId);
        vm.prank(d.owner);
        registry.updateDatanet(
            datanetId,
            IDatanetRegistry.DatanetConfig(
                "ipfs://d2", bound(bond, 0, MAX_AMOUNT), bound(fee, 0, MAX_AMOUNT), d.reviewTimeout
            )
        );
    }

    function contribute(uint256 actorSeed, uint256 datanetSeed, bytes32 contentHash) external {
        if (registry.datanetCount() == 0 || contentHash == bytes32(0)) return;
        uint256 datanetId = _datanet(datanetSeed);
        if (registry.contributionByHash(datanetId, contentHash) != 0) return;
        vm.prank(_actor(actorSeed));
        registry.contribute(datanetId, contentHash, "blob://c");
    }

    function review(uint256 contributionSeed, uint256 reviewerSeed, bool accept) external {
        if (registry.contributionCount() == 0) return;
        uint256 id = _contribution(contributionSeed);
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        if (c.status != IDatanetRegistry.ContributionStatus.Pending) return;
        // A curator when the seed picks one, otherwise the owner.
        address reviewer = _actor(reviewerSeed);
        if (!registry.isCurator(c.datanetId, reviewer)) reviewer = registry.datanetOwner(c.datanetId);
        if (reviewer == c.contributor) return;
        vm.prank(reviewer);
        if (accept) registry.acceptContribution(id);
        else registry.rejectContribution(id);
    }

    function withdraw(uint256 contributionSeed) external {
        if (registry.contributionCount() == 0) return;
        uint256 id = _contribution(contributionSeed);
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        if (c.status != IDatanetRegistry.ContributionStatus.Pending) return;
        uint256 availableAt = c.submittedAt + registry.getDatanet(c.datanetId).reviewTimeout;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < availableAt) vm.warp(availableAt);
        vm.prank(c.contributor);
        registry.withdrawContribution(id);
    }

    function setPayee(uint256 contributionSeed, uint256 payeeSeed) external {
        if (registry.contributionCount() == 0) return;
        uint256 id = _contribution(contributionSeed);
        vm.prank(registry.getContribution(id).contributor);
        registry.setPayee(id, _actor(payeeSeed));
    }

    function requestAccess(uint256 actorSeed, uint256 datanetSeed) external {
        if (registry.datanetCount() == 0) return;
        uint256 datanetId = _datanet(datanetSeed);
        address account = _actor(actorSeed);
        if (registry.hasAccess(datanetId, account)) return;
        if (registry.accessOf(datanetId, account).status == IDatanetRegistry.AccessStatus.Requested) return;
        vm.prank(account);
        registry.requestAccess(datanetId);
    }

    /// @param action 0 approve, 1 deny, 2 cancel by the requester.
    function settleAccess(uint256 actorSeed, uint256 datanetSeed, uint8 action) external {
        if (registry.datanetCount() == 0) return;
        uint256 datanetId = _datanet(datanetSeed);
        address account = _actor(actorSeed);
        if (registry.accessOf(datanetId, account).status != IDatanetRegistry.AccessStatus.Requested) return;
        address owner = registry.datanetOwner(datanetId);
        action %= 3;
        if (action == 2) {
            vm.prank(account);
            registry.cancelAccessRequest(datanetId);
        } else {
            vm.prank(owner);
            if (action == 0) registry.approveAccess(datanetId, account);
            else registry.denyAccess(datanetId, account);
        }
    }

    function revokeAccess(uint256 actorSeed, uint256 datanetSeed) external {
        if (registry.datanetCount() == 0) return;
        uint256 datanetId = _datanet(datanetSeed);
        address account = _actor(actorSeed);
        if (registry.accessOf(datanetId, account).status != IDatanetRegistry.AccessStatus.Granted) return;
        vm.prank(registry.datanetOwner(datanetId));
        registry.revokeAccess(datanetId, account);
    }

    function toggleCurator(uint256 datanetSeed, uint256 actorSeed) external {
        if (registry.datanetCount() == 0) return;
        uint256 datanetId = _datanet(datanetSeed);
        address account = _actor(actorSeed);
        bool listed = registry.isCurator(datanetId, account);
        vm.prank(registry.datanetOwner(datanetId));
        if (listed) registry.removeCurator(datanetId, account);
        else registry.addCurator(datanetId, account);
    }

    function transferDatanetOwnership(uint256 datanetSeed, uint256 ownerSeed) external {
        if (registry.datanetCount() == 0) return;
        uint256 datanetId = _datanet(datanetSeed);
        vm.prank(registry.datanetOwner(datanetId));
        registry.transferDatanetOwnership(datanetId, _actor(ownerSeed));
    }
}
