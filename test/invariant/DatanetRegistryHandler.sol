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
    /// @dev Few distinct content hashes, so that copies of one hash by several actors are common.
    uint256 internal constant HASHES = 2;
    /// @dev Few datanets too, so that calls meet on the same datanet and hash.
    uint256 internal constant MAX_DATANETS = 3;

    struct Commitment {
        address contributor;
        uint256 datanetId;
        bytes32 contentHash;
        bytes32 salt;
    }

    DatanetRegistry public immutable registry;
    OpenToken public immutable open;
    address[] internal _actors;
    Commitment[] internal _commitments;

    /// @notice The datanet's review timeout when each contribution was submitted, by contribution id.
    mapping(uint256 contributionId => uint64) public timeoutAtSubmission;

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

    function _hash(uint256 seed) internal pure returns (bytes32) {
        return keccak256(abi.encode("content", seed % HASHES));
    }

    /// @dev Whether the registry takes `contentHash` from `contributor` now (the handler only makes calls that succeed).
    function _submittable(uint256 datanetId, bytes32 contentHash, address contributor) internal view returns (bool) {
        uint256 holder = registry.contributionByHash(datanetId, contentHash);
        if (holder != 0 && registry.getContribution(holder).status == IDatanetRegistry.ContributionStatus.Accepted) {
            return false;
        }
        uint256 own = registry.contributionOf(datanetId, contentHash, contributor);
        return own == 0 || registry.getContribution(own).status == IDatanetRegistry.ContributionStatus.Withdrawn;
    }

    function _recordTimeout(uint256 contributionId) internal {
        timeoutAtSubmission[contributionId] =
        registry.getDatanet(registry.getContribution(contributionId).datanetId).reviewTimeout;
    }

    function createDatanet(uint256 ownerSeed, uint256 curatorSeed, uint256 bond, uint256 fee, uint64 timeout) external {
        if (registry.datanetCount() >= MAX_DATANETS) return;
        address[] memory curators = new address[](1);
        curators[0] = _actor(curatorSeed);
        timeout = uint64(bound(timeout, registry.minReviewTimeout(), registry.maxReviewTimeout()));
        vm.prank(_actor(ownerSeed));
        registry.createDatanet(
            IDatanetRegistry.DatanetConfig("ipfs://d", bound(bond, 0, MAX_AMOUNT), bound(fee, 0, MAX_AMOUNT), timeout),
            curators
        );
    }

    /// @dev Changes the review timeout too: pending contributions must keep the deadline they were submitted with.
    function updateDatanet(uint256 datanetSeed, uint256 bond, uint256 fee, uint64 timeout) external {
        if (registry.datanetCount() == 0) return;
        uint256 datanetId = _datanet(datanetSeed);
        timeout = uint64(bound(timeout, registry.minReviewTimeout(), registry.maxReviewTimeout()));
        vm.prank(registry.datanetOwner(datanetId));
        registry.updateDatanet(
            datanetId,
            IDatanetRegistry.DatanetConfig("ipfs://d2", bound(bond, 0, MAX_AMOUNT), bound(fee, 0, MAX_AMOUNT), timeout)
        );
    }

    function contribute(uint256 actorSeed, uint256 datanetSeed, uint256 hashSeed) external {
        if (registry.datanetCount() == 0) return;
        uint256 datanetId = _datanet(datanetSeed);
        bytes32 contentHash = _hash(hashSeed);
        address contributor = _actor(actorSeed);
        if (!_submittable(datanetId, contentHash, contributor)) return;
        vm.prank(contributor);
        _recordTimeout(registry.contribute(datanetId, contentHash, "blob://c"));
    }

    /// @dev Moves 0-2 blocks first, so that commitments of one hash both tie and differ in age.
    function commit(uint256 actorSeed, uint256 datanetSeed, uint256 hashSeed, bytes32 salt, uint8 blocks) external {
        if (registry.datanetCount() == 0) return;
        vm.roll(block.number + blocks % 3);
        Commitment memory c = Commitment(_actor(actorSeed), _datanet(datanetSeed), _hash(hashSeed), salt);
        bytes32 commitment = registry.contributionCommitment(c.datanetId, c.contentHash, c.contributor, c.salt);
        if (registry.commitmentBlock(c.contributor, commitment) != 0) return;
        vm.prank(c.contributor);
        registry.commitContribution(commitment);
        _commitments.push(c);
    }

    /// @dev Reveals a listed commitment (a block after it was made, rolling one if needed) and drops it from the list.
    function reveal(uint256 commitmentSeed) external {
        if (_commitments.length == 0) return;
        uint256 index = commitmentSeed % _commitments.length;
        Commitment memory c = _commitments[index];
        if (!_submittable(c.datanetId, c.contentHash, c.contributor)) return;
        bytes32 commitment = registry.contributionCommitment(c.datanetId, c.contentHash, c.contributor, c.salt);
        if (block.number <= registry.commitmentBlock(c.contributor, commitment)) vm.roll(block.number + 1);
        vm.prank(c.contributor);
        _recordTimeout(registry.revealContribution(c.datanetId, c.contentHash, "blob://r", type(uint256).max, c.salt));
        _commitments[index] = _commitments[_commitments.length - 1];
        _commitments.pop();
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
        // Another copy accepted or claiming the hash: only this one's rejection can go through.
        uint256 holder = registry.contributionByHash(c.datanetId, c.contentHash);
        if (holder != 0 && holder != id) accept = false;
        vm.prank(reviewer);
        if (accept) registry.acceptContribution(id);
        else registry.rejectContribution(id);
    }

    function withdraw(uint256 contributionSeed) external {
        if (registry.contributionCount() == 0) return;
        uint256 id = _contribution(contributionSeed);
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        if (c.status != IDatanetRegistry.ContributionStatus.Pending) return;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < c.reviewDeadline) vm.warp(c.reviewDeadline);
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
