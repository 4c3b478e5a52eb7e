// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";

/// @title DatanetRegistry
/// @notice Datanets, bonded contributions and paid access. See {IDatanetRegistry}.
/// @dev Rejected bonds go to the protocol treasury rather than the datanet owner, so that neither the owner
/// nor a curator gains from rejecting good work. Every outgoing transfer happens after the state that
/// authorises it is cleared, and nothing is ever left without a path out: pending bonds leave by review or
/// withdrawal, escrowed fees by approval, denial or cancellation.
/// `_byHash` holds, per datanet and content hash, the accepted contribution or else the pending claimant (the
/// copy revealed from the earliest commitment seen); `_contributionOf` binds each copy to its contributor.
contract DatanetRegistry is IDatanetRegistry, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    IERC20 private immutable _open;

    /// @inheritdoc IDatanetRegistry
    address public treasury;
    /// @inheritdoc IDatanetRegistry
    uint64 public minReviewTimeout;
    /// @inheritdoc IDatanetRegistry
    uint64 public maxReviewTimeout;
    /// @inheritdoc IDatanetRegistry
    uint256 public datanetCount;
    /// @inheritdoc IDatanetRegistry
    uint256 public contributionCount;

    mapping(uint256 datanetId => Datanet) private _datanets;
    mapping(uint256 datanetId => mapping(address account => bool)) private _curators;
    mapping(uint256 contributionId => Contribution) private _contributions;
    mapping(uint256 datanetId => mapping(bytes32 contentHash => uint256 contributionId)) private _byHash;
    mapping(
        uint256 datanetId => mapping(bytes32 contentHash => mapping(address contributor => uint256 contributionId))
    ) private _contributionOf;
    mapping(address contributor => mapping(bytes32 commitment => uint64 commitBlock)) private _commitments;
    mapping(uint256 datanetId => mapping(address account => AccessRecord)) private _access;

    /// @param open_ The OPEN token.
    /// @param initialOwner Owner until the deployment hands the contract to the governance timelock.
    /// @param treasury_ Receives rejected bonds.
    /// @param minReviewTimeout_ Smallest review timeout a datanet may choose.
    /// @param maxReviewTimeout_ Largest review timeout a datanet may choose.
    constructor(
        IERC20 open_,
        address initialOwner,
        address treasury_,
        uint64 minReviewTimeout_,
        uint64 maxReviewTimeout_
    ) Ownable(initialOwner) {
        if (address(open_) == address(0)) revert DatanetZeroAddress();
        _open = open_;
        _setTreasury(treasury_);
        _setReviewTimeoutBounds(minReviewTimeout_, maxReviewTimeout_);
    }

    modifier onlyDatanetOwner(uint256 datanetId) {
        if (_existingDatanet(datanetId).owner != msg.sender) revert DatanetNotOwner(datanetId, msg.sender);
        _;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Datanets
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function createDatanet(DatanetConfig calldata config, address[] calldata curators)
        external
        returns (uint256 datanetId)
    {
        _checkReviewTimeout(config.reviewTimeout);
        datanetId = ++datanetCount;
        Datanet storage datanet = _datanets[datanetId];
        datanet.owner = msg.sender;
        datanet.createdAt = uint64(block.timestamp);
        datanet.reviewTimeout = config.reviewTimeout;
        datanet.contributionBond = config.contributionBond;
        datanet.accessFee = config.accessFee;
        datanet.metadataURI = config.metadataURI;
        emit DatanetCreated(
            datanetId, msg.sender, config.metadataURI, config.contributionBond, config.accessFee, config.reviewTimeout
        );
        for (uint256 i; i < curators.length; ++i) {
            _addCurator(datanetId, datanet, curators[i]);
        }
    }

    /// @inheritdoc IDatanetRegistry
    function updateDatanet(uint256 datanetId, DatanetConfig calldata config) external onlyDatanetOwner(datanetId) {
        _checkReviewTimeout(config.reviewTimeout);
        Datanet storage datanet = _datanets[datanetId];
        datanet.reviewTimeout = config.reviewTimeout;
        datanet.contributionBond = config.contributionBond;
        datanet.accessFee = config.accessFee;
        datanet.metadataURI = config.metadataURI;
        emit DatanetUpdated(
            datanetId, config.metadataURI, config.contributionBond, config.accessFee, config.reviewTimeout
        );
    }

    /// @inheritdoc IDatanetRegistry
    function transferDatanetOwnership(uint256 datanetId, address newOwner) external onlyDatanetOwner(datanetId) {
        if (newOwner == address(0)) revert DatanetZeroAddress();
        _datanets[datanetId].owner = newOwner;
        emit DatanetOwnershipTransferred(datanetId, msg.sender, newOwner);
    }

    /// @inheritdoc IDatanetRegistry
    function addCurator(uint256 datanetId, address curator) external onlyDatanetOwner(datanetId) {
        _addCurator(datanetId, _datanets[datanetId], curator);
    }

    /// @inheritdoc IDatanetRegistry
    function removeCurator(uint256 datanetId, address curator) external onlyDatanetOwner(datanetId) {
        if (!_curators[datanetId][curator]) revert DatanetNotCurator(datanetId, curator);
        _curators[datanetId][curator] = false;
        unchecked {
            // The flag just cleared was counted when it was set.
            --_datanets[datanetId].curatorCount;
        }
        emit CuratorRemoved(datanetId, curator);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Contributions
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function contribute(uint256 datanetId, bytes32 contentHash, string calldata uri)
        external
        nonReentrant
        returns (uint256 contributionId)
    {
        return _contribute(datanetId, contentHash, uri, type(uint256).max, 0);
    }

    /// @inheritdoc IDatanetRegistry
    function contribute(uint256 datanetId, bytes32 contentHash, string calldata uri, uint256 maxBond)
        external
        nonReentrant
        returns (uint256 contributionId)
    {
        return _contribute(datanetId, contentHash, uri, maxBond, 0);
    }

    /// @inheritdoc IDatanetRegistry
    function commitContribution(bytes32 commitment) external {
        uint64 existing = _commitments[msg.sender][commitment];
        if (existing != 0) revert DatanetCommitmentExists(msg.sender, commitment, existing);
        _commitments[msg.sender][commitment] = uint64(block.number);
        emit ContributionCommitted(msg.sender, commitment);
    }

    /// @inheritdoc IDatanetRegistry
    function revealContribution(
        uint256 datanetId,
        bytes32 contentHash,
        string calldata uri,
        uint256 maxBond,
        bytes32 salt
    ) external nonReentrant returns (uint256 contributionId) {
        bytes32 commitment = contributionCommitment(datanetId, contentHash, msg.sender, salt);
        uint64 commitBlock = _commitments[msg.sender][commitment];
        if (commitBlock == 0) revert DatanetUnknownCommitment(msg.sender, commitment);
        // Revealed in its own block, a commitment would disclose the hash as it claims it: no better than one step.
        if (block.number <= commitBlock) revert DatanetCommitmentTooRecent(commitment, commitBlock);
        delete _commitments[msg.sender][commitment];
        return _contribute(datanetId, contentHash, uri, maxBond, commitBlock);
    }

    /// @inheritdoc IDatanetRegistry
    function acceptContribution(uint256 contributionId) external nonReentrant {
        Contribution storage c = _pendingReviewable(contributionId);
        uint256 datanetId = c.datanetId;
        bytes32 contentHash = c.contentHash;
        uint256 holder = _byHash[datanetId][contentHash];
        if (holder != contributionId) {
            if (holder != 0) {
                if (_contributions[holder].status == ContributionStatus.Accepted) {
                    revert DatanetDuplicateContent(datanetId, contentHash, holder);
                }
                revert DatanetContentClaimed(datanetId, contentHash, holder);
            }
            _byHash[datanetId][contentHash] = contributionId;
        }
        c.status = ContributionStatus.Accepted;
        emit ContributionAccepted(contributionId, datanetId, msg.sender);
        _pay(c.contributor, c.bond);
    }

    /// @inheritdoc IDatanetRegistry
    function rejectContribution(uint256 contributionId) external nonReentrant {
        Contribution storage c = _pendingReviewable(contributionId);
        c.status = ContributionStatus.Rejected;
        _releaseClaim(c, contributionId);
        address to = treasury;
        emit ContributionRejected(contributionId, c.datanetId, msg.sender, to, c.bond);
        _pay(to, c.bond);
    }

    /// @inheritdoc IDatanetRegistry
    function withdrawContribution(uint256 contributionId) external nonReentrant {
        Contribution storage c = _existingContribution(contributionId);
        if (c.contributor != msg.sender) revert DatanetNotContributor(contributionId, msg.sender);
        if (c.status != ContributionStatus.Pending) revert DatanetContributionNotPending(contributionId, c.status);
        uint64 availableAt = c.reviewDeadline;
        // A validator's few seconds of timestamp leeway are negligible against a review timeout of hours or days.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < availableAt) revert DatanetReviewPending(contributionId, availableAt);
        c.status = ContributionStatus.Withdrawn;
        _releaseClaim(c, contributionId);
        emit ContributionWithdrawn(contributionId, c.datanetId, c.bond);
        _pay(msg.sender, c.bond);
    }

    /// @inheritdoc IDatanetRegistry
    function setPayee(uint256 contributionId, address newPayee) external {
        Contribution storage c = _existingContribution(contributionId);
        address previous = c.payee;
        if (msg.sender != c.contributor && msg.sender != previous) {
            revert DatanetNotContributorOrPayee(contributionId, msg.sender);
        }
        if (newPayee == address(0)) revert DatanetZeroAddress();
        c.payee = newPayee;
        emit PayeeChanged(contributionId, previous, newPayee);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Access
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function requestAccess(uint256 datanetId) external nonReentrant {
        _requestAccess(datanetId, type(uint256).max);
    }

    /// @inheritdoc IDatanetRegistry
    function requestAccess(uint256 datanetId, uint256 maxFee) external nonReentrant {
        _requestAccess(datanetId, maxFee);
    }

    /// @inheritdoc IDatanetRegistry
    function cancelAccessRequest(uint256 datanetId) external nonReentrant {
        uint256 refund = _closeRequest(datanetId, msg.sender, AccessStatus.Cancelled);
        emit AccessRequestCancelled(datanetId, msg.sender, refund);
        _pay(msg.sender, refund);
    }

    /// @inheritdoc IDatanetRegistry
    function approveAccess(uint256 datanetId, address account) external nonReentrant onlyDatanetOwner(datanetId) {
        uint256 fee = _closeRequest(datanetId, account, AccessStatus.Granted);
        emit AccessGranted(datanetId, account, fee);
        _pay(msg.sender, fee);
    }

    /// @inheritdoc IDatanetRegistry
    function denyAccess(uint256 datanetId, address account) external nonReentrant onlyDatanetOwner(datanetId) {
        uint256 refund = _closeRequest(datanetId, account, AccessStatus.Denied);
        emit AccessDenied(datanetId, account, refund);
        _pay(account, refund);
    }

    /// @inheritdoc IDatanetRegistry
    function revokeAccess(uint256 datanetId, address account) external onlyDatanetOwner(datanetId) {
        AccessRecord storage record = _access[datanetId][account];
        if (record.status != AccessStatus.Granted) revert DatanetAccessNotGranted(datanetId, account);
        record.status = AccessStatus.Revoked;
        emit AccessRevoked(datanetId, account);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IDatanetRegistry
    function setReviewTimeoutBounds(uint64 minReviewTimeout_, uint64 maxReviewTimeout_) external onlyOwner {
        _setReviewTimeoutBounds(minReviewTimeout_, maxReviewTimeout_);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDatanetRegistry
    function open() external view returns (address) {
        return address(_open);
    }

    /// @inheritdoc IDatanetRegistry
    function getDatanet(uint256 datanetId) external view returns (Datanet memory) {
        return _existingDatanet(datanetId);
    }

    /// @inheritdoc IDatanetRegistry
    function datanetOwner(uint256 datanetId) external view returns (address) {
        return _existingDatanet(datanetId).owner;
    }

    /// @inheritdoc IDatanetRegistry
    function isCurator(uint256 datanetId, address account) external view returns (bool) {
        return _curators[datanetId][account];
    }

    /// @inheritdoc IDatanetRegistry
    function getContribution(uint256 contributionId) external view returns (Contribution memory) {
        return _existingContribution(contributionId);
    }

    /// @inheritdoc IDatanetRegistry
    function contributionPayout(uint256 contributionId)
        external
        view
        returns (uint256 datanetId, address payee, ContributionStatus status)
    {
        Contribution storage c = _existingContribution(contributionId);
        return (c.datanetId, c.payee, c.status);
    }

    /// @inheritdoc IDatanetRegistry
    function contributionByHash(uint256 datanetId, bytes32 contentHash) external view returns (uint256) {
        return _byHash[datanetId][contentHash];
    }

    /// @inheritdoc IDatanetRegistry
    function contributionOf(uint256 datanetId, bytes32 contentHash, address contributor)
        external
        view
        returns (uint256)
    {
        return _contributionOf[datanetId][contentHash][contributor];
    }

    /// @inheritdoc IDatanetRegistry
    function contributionCommitment(uint256 datanetId, bytes32 contentHash, address contributor, bytes32 salt)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(datanetId, contentHash, contributor, salt));
    }

    /// @inheritdoc IDatanetRegistry
    function commitmentBlock(address contributor, bytes32 commitment) external view returns (uint64) {
        return _commitments[contributor][commitment];
    }

    /// @inheritdoc IDatanetRegistry
    function accessOf(uint256 datanetId, address account) external view returns (AccessRecord memory) {
        return _access[datanetId][account];
    }

    /// @inheritdoc IDatanetRegistry
    function hasAccess(uint256 datanetId, address account) external view returns (bool) {
        return _hasAccess(datanetId, _existingDatanet(datanetId), account);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------------

    function _existingDatanet(uint256 datanetId) private view returns (Datanet storage datanet) {
        datanet = _datanets[datanetId];
        if (datanet.owner == address(0)) revert DatanetUnknown(datanetId);
    }

    function _existingContribution(uint256 contributionId) private view returns (Contribution storage c) {
        c = _contributions[contributionId];
        if (c.status == ContributionStatus.None) revert DatanetUnknownContribution(contributionId);
    }

    /// @dev A pending contribution the caller may review: a curator or the owner, never its own contributor.
    function _pendingReviewable(uint256 contributionId) private view returns (Contribution storage c) {
        c = _existingContribution(contributionId);
        uint256 datanetId = c.datanetId;
        if (!_curators[datanetId][msg.sender] && _datanets[datanetId].owner != msg.sender) {
            revert DatanetNotCurator(datanetId, msg.sender);
        }
        if (c.status != ContributionStatus.Pending) revert DatanetContributionNotPending(contributionId, c.status);
        if (c.contributor == msg.sender) revert DatanetSelfReview(contributionId, msg.sender);
    }

    /// @param commitBlock Block of the revealed commitment, zero for a single-step contribution.
    function _contribute(
        uint256 datanetId,
        bytes32 contentHash,
        string calldata uri,
        uint256 maxBond,
        uint64 commitBlock
    ) private returns (uint256 contributionId) {
        Datanet storage datanet = _existingDatanet(datanetId);
        if (contentHash == bytes32(0)) revert DatanetZeroContentHash();
        // The holder is accepted or a pending claimant; others' pending copies never block (see IDatanetRegistry).
        uint256 holder = _byHash[datanetId][contentHash];
        if (holder != 0 && _contributions[holder].status == ContributionStatus.Accepted) {
            revert DatanetDuplicateContent(datanetId, contentHash, holder);
        }
        uint256 own = _contributionOf[datanetId][contentHash][msg.sender];
        if (own != 0) {
            // The caller's own copy, if accepted, is the holder and was refused above; withdrawn may come again.
            ContributionStatus ownStatus = _contributions[own].status;
            if (ownStatus == ContributionStatus.Pending) revert DatanetDuplicateContent(datanetId, contentHash, own);
            if (ownStatus == ContributionStatus.Rejected) revert DatanetContentRejected(datanetId, contentHash, own);
        }

        uint256 bond = datanet.contributionBond;
        if (bond > maxBond) revert DatanetBondAboveMax(datanetId, bond, maxBond);
        contributionId = ++contributionCount;
        _contributionOf[datanetId][contentHash][msg.sender] = contributionId;
        // Strictly earlier: between commitments of one block, the claimant already revealed keeps the claim.
        bool claims = commitBlock != 0 && (holder == 0 || commitBlock < _contributions[holder].commitBlock);
        if (claims) _byHash[datanetId][contentHash] = contributionId;
        Contribution storage c = _contributions[contributionId];
        c.datanetId = datanetId;
        c.contributor = msg.sender;
        c.payee = msg.sender;
        c.contentHash = contentHash;
        c.submittedAt = uint64(block.timestamp);
        c.status = ContributionStatus.Pending;
        c.reviewDeadline = uint64(block.timestamp) + datanet.reviewTimeout;
        c.commitBlock = commitBlock;
        c.bond = bond;
        c.uri = uri;
        emit ContributionSubmitted(contributionId, datanetId, msg.sender, contentHash, uri, bond);
        if (claims) emit ContentClaimed(datanetId, contentHash, contributionId, commitBlock);

        if (bond > 0) _open.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @dev A claimant leaving review frees the hash; the claim is not handed to the next-earliest committed copy
    /// (that would need a search), so remaining copies compete on the curator's judgement and their `commitBlock`.
    function _releaseClaim(Contribution storage c, uint256 contributionId) private {
        if (_byHash[c.datanetId][c.contentHash] == contributionId) delete _byHash[c.datanetId][c.contentHash];
    }

    function _requestAccess(uint256 datanetId, uint256 maxFee) private {
        Datanet storage datanet = _existingDatanet(datanetId);
        AccessRecord storage record = _access[datanetId][msg.sender];
        if (_hasAccess(datanetId, datanet, msg.sender)) revert DatanetAccessAlreadyGranted(datanetId, msg.sender);
        if (record.status == AccessStatus.Requested) revert DatanetAccessAlreadyRequested(datanetId, msg.sender);
        uint256 fee = datanet.accessFee;
        if (fee > maxFee) revert DatanetFeeAboveMax(datanetId, fee, maxFee);
        record.status = AccessStatus.Requested;
        record.escrowedFee = fee;
        emit AccessRequested(datanetId, msg.sender, fee);
        if (fee > 0) _open.safeTransferFrom(msg.sender, address(this), fee);
    }

    function _hasAccess(uint256 datanetId, Datanet storage datanet, address account) private view returns (bool) {
        return datanet.owner == account || _curators[datanetId][account]
            || _access[datanetId][account].status == AccessStatus.Granted;
    }

    /// @dev Moves a pending request to `status` and returns the fee it escrowed.
    function _closeRequest(uint256 datanetId, address account, AccessStatus status) private returns (uint256 fee) {
        _existingDatanet(datanetId);
        AccessRecord storage record = _access[datanetId][account];
        if (record.status != AccessStatus.Requested) revert DatanetNoAccessRequest(datanetId, account);
        fee = record.escrowedFee;
        record.status = status;
        record.escrowedFee = 0;
    }

    function _addCurator(uint256 datanetId, Datanet storage datanet, address curator) private {
        if (curator == address(0)) revert DatanetZeroAddress();
        if (_curators[datanetId][curator]) revert DatanetAlreadyCurator(datanetId, curator);
        _curators[datanetId][curator] = true;
        ++datanet.curatorCount;
        emit CuratorAdded(datanetId, curator);
    }

    function _pay(address to, uint256 amount) private {
        if (amount > 0) _open.safeTransfer(to, amount);
    }

    function _checkReviewTimeout(uint64 reviewTimeout) private view {
        if (reviewTimeout < minReviewTimeout || reviewTimeout > maxReviewTimeout) {
            revert DatanetReviewTimeoutOutOfBounds(reviewTimeout, minReviewTimeout, maxReviewTimeout);
        }
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert DatanetZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    function _setReviewTimeoutBounds(uint64 min, uint64 max) private {
        if (min == 0 || min > max) revert DatanetInvalidReviewTimeoutBounds(min, max);
        minReviewTimeout = min;
        maxReviewTimeout = max;
        emit ReviewTimeoutBoundsSet(min, max);
    }
}
