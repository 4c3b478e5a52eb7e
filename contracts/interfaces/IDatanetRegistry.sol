// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDatanetRegistry
/// @notice Datanets: curated, access-controlled collections of contributions addressed by content hash.
/// Contributors post an OPEN bond with each contribution; curators accept (bond refunded) or reject (bond
/// slashed to the protocol treasury). A contribution left unreviewed past the review timeout it was submitted
/// under can be withdrawn with its bond. Readers request access by escrowing the datanet's access fee, which goes
/// to the datanet owner on approval and back to the requester on denial or cancellation.
/// @dev Datanet ids and contribution ids both start at 1; contribution ids are global across datanets.
/// OPEN held by the registry always equals the outstanding bonds of pending contributions plus escrowed fees.
///
/// Duplicate content. A content hash is bound to its contributor, not to whoever lands it first: a pending
/// contribution never blocks another contributor from submitting the same hash, so copying a hash seen in the
/// mempool (free on a zero-bond datanet) no longer locks the author out. Duplicates are settled at review:
/// once one copy is accepted, accepting another (or submitting the hash again) is refused as a duplicate of
/// the accepted one. Which copy a curator may accept is decided by commit–reveal: a contributor who first
/// commits (`commitContribution`) and reveals at least one block later (`revealContribution`) claims the hash
/// by the block of the commitment, so the first committer wins over any copy made after the hash became
/// public, committed or not; while a claimant is pending, no other copy can be accepted. A single-step
/// `contribute` still works but claims nothing. A contributor cannot resubmit a hash rejected from them
/// (the curator's decision stands and a rejected squatter cannot come back for free), nor hold two pending
/// copies of one hash; others are unaffected. A protocol-wide minimum bond was not chosen: with the hash bound
/// to its contributor, squatting blocks nobody, and zero-bond datanets stay possible.
interface IDatanetRegistry {
    /// @notice Lifecycle of a contribution.
    enum ContributionStatus {
        None,
        Pending,
        Accepted,
        Rejected,
        Withdrawn
    }

    /// @notice Lifecycle of an account's access to a datanet.
    enum AccessStatus {
        None,
        Requested,
        Granted,
        Denied,
        Revoked,
        Cancelled
    }

    /// @notice Parameters a datanet owner chooses at creation and may later update.
    /// @param metadataURI Where the datanet's description lives (name, schema, licence).
    /// @param contributionBond OPEN posted with each contribution, returned on acceptance or timeout.
    /// @param accessFee OPEN paid once by a reader for access.
    /// @param reviewTimeout Seconds after which an unreviewed contribution can be withdrawn; within the
    /// governance bounds `minReviewTimeout`..`maxReviewTimeout`.
    struct DatanetConfig {
        string metadataURI;
        uint256 contributionBond;
        uint256 accessFee;
        uint64 reviewTimeout;
    }

    /// @notice A datanet as stored.
    struct Datanet {
        address owner;
        uint64 createdAt;
        uint64 reviewTimeout;
        uint32 curatorCount;
        uint256 contributionBond;
        uint256 accessFee;
        string metadataURI;
    }

    /// @notice A contribution as stored.
    /// @param datanetId The datanet it belongs to.
    /// @param contributor The account that submitted it and posted the bond.
    /// @param payee The account that receives attribution payouts for it (initially the contributor).
    /// @param contentHash sha256 of the contributed file.
    /// @param submittedAt Block timestamp of submission.
    /// @param status Review status.
    /// @param reviewDeadline Timestamp from which the contributor may withdraw it unreviewed: submission plus the
    /// datanet's review timeout at submission, so a later change of the timeout does not move it.
    /// @param commitBlock Block of the commitment it revealed (`revealContribution`); zero for a single-step
    /// `contribute`. The earlier, the stronger its claim on the content hash.
    /// @param bond OPEN bonded at submission (still held only while `Pending`).
    /// @param uri Where the file can be fetched (through the data gateway).
    struct Contribution {
        uint256 datanetId;
        address contributor;
        address payee;
        bytes32 contentHash;
        uint64 submittedAt;
        ContributionStatus status;
        uint64 reviewDeadline;
        uint64 commitBlock;
        uint256 bond;
        string uri;
    }

    /// @notice An account's access record for one datanet.
    /// @param status Current access status.
    /// @param escrowedFee OPEN escrowed by a pending request (zero otherwise).
    struct AccessRecord {
        AccessStatus status;
        uint256 escrowedFee;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------------------

    /// @notice `datanetId` does not exist.
    error DatanetUnknown(uint256 datanetId);
    /// @notice `contributionId` does not exist.
    error DatanetUnknownContribution(uint256 contributionId);
    /// @notice `caller` is not the owner of datanet `datanetId`.
    error DatanetNotOwner(uint256 datanetId, address caller);
    /// @notice `caller` is neither a curator nor the owner of datanet `datanetId`.
    error DatanetNotCurator(uint256 datanetId, address caller);
    /// @notice A zero address was given where an account is required.
    error DatanetZeroAddress();
    /// @notice `reviewTimeout` lies outside the governance bounds `min`..`max`.
    error DatanetReviewTimeoutOutOfBounds(uint64 reviewTimeout, uint64 min, uint64 max);
    /// @notice Governance bounds with `min` greater than `max`, or `min` of zero.
    error DatanetInvalidReviewTimeoutBounds(uint64 min, uint64 max);
    /// @notice `account` is already a curator of datanet `datanetId`.
    error DatanetAlreadyCurator(uint256 datanetId, address account);
    /// @notice A zero content hash was given.
    error DatanetZeroContentHash();
    /// @notice `contentHash` is already held in datanet `datanetId` by accepted contribution `existingId`, or by
    /// the caller's own pending contribution `existingId`.
    error DatanetDuplicateContent(uint256 datanetId, bytes32 contentHash, uint256 existingId);
    /// @notice `contentHash` was rejected from the caller in contribution `rejectedId`; the caller cannot submit it
    /// to datanet `datanetId` again.
    error DatanetContentRejected(uint256 datanetId, bytes32 contentHash, uint256 rejectedId);
    /// @notice Pending contribution `claimantId` claims `contentHash` in datanet `datanetId` by an earlier
    /// commitment; it must be reviewed or withdrawn before another copy can be accepted.
    error DatanetContentClaimed(uint256 datanetId, bytes32 contentHash, uint256 claimantId);
    /// @notice `contributor` has no commitment `commitment` (never committed, already revealed, or revealed with
    /// other parameters or salt).
    error DatanetUnknownCommitment(address contributor, bytes32 commitment);
    /// @notice `contributor` already committed `commitment` at block `commitBlock`.
    error DatanetCommitmentExists(address contributor, bytes32 commitment, uint64 commitBlock);
    /// @notice `commitment`, made at block `commitBlock`, can be revealed from the next block on.
    error DatanetCommitmentTooRecent(bytes32 commitment, uint64 commitBlock);
    /// @notice Contribution `contributionId` is `status`, not pending.
    error DatanetContributionNotPending(uint256 contributionId, ContributionStatus status);
    /// @notice A curator tried to review their own contribution.
    error DatanetSelfReview(uint256 contributionId, address curator);
    /// @notice `caller` is not the contributor of contribution `contributionId`.
    error DatanetNotContributor(uint256 contributionId, address caller);
    /// @notice `caller` is neither the contributor nor the current payee of contribution `contributionId`.
    error DatanetNotContributorOrPayee(uint256 contributionId, address caller);
    /// @notice The review timeout of contribution `contributionId` ends at `availableAt`.
    error DatanetReviewPending(uint256 contributionId, uint64 availableAt);
    /// @notice `account` already has access to datanet `datanetId`.
    error DatanetAccessAlreadyGranted(uint256 datanetId, address account);
    /// @notice `account` already has a pending access request for datanet `datanetId`.
    error DatanetAccessAlreadyRequested(uint256 datanetId, address account);
    /// @notice `account` has no pending access request for datanet `datanetId`.
    error DatanetNoAccessRequest(uint256 datanetId, address account);
    /// @notice `account` holds no granted access to datanet `datanetId`.
    error DatanetAccessNotGranted(uint256 datanetId, address account);
    /// @notice Datanet `datanetId` now charges `fee` for access, above the caller's `maxFee`.
    error DatanetFeeAboveMax(uint256 datanetId, uint256 fee, uint256 maxFee);
    /// @notice Datanet `datanetId` now asks a `bond` above the caller's `maxBond`.
    error DatanetBondAboveMax(uint256 datanetId, uint256 bond, uint256 maxBond);

    // ----------------------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Datanet `datanetId` was created by `owner`.
    event DatanetCreated(
        uint256 indexed datanetId,
        address indexed owner,
        string metadataURI,
        uint256 contributionBond,
        uint256 accessFee,
        uint64 reviewTimeout
    );
    /// @notice Datanet `datanetId`'s parameters were updated.
    event DatanetUpdated(
        uint256 indexed datanetId, string metadataURI, uint256 contributionBond, uint256 accessFee, uint64 reviewTimeout
    );
    /// @notice Ownership of datanet `datanetId` moved from `previousOwner` to `newOwner`.
    event DatanetOwnershipTransferred(
        uint256 indexed datanetId, address indexed previousOwner, address indexed newOwner
    );
    /// @notice `curator` was added to datanet `datanetId`.
    event CuratorAdded(uint256 indexed datanetId, address indexed curator);
    /// @notice `curator` was removed from datanet `datanetId`.
    event CuratorRemoved(uint256 indexed datanetId, address indexed curator);
    /// @notice `contributor` submitted contribution `contributionId` to datanet `datanetId` with `bond` OPEN.
    event ContributionSubmitted(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bytes32 contentHash,
        string uri,
        uint256 bond
    );
    /// @notice `contributor` committed to a contribution it will reveal later (`revealContribution`).
    event ContributionCommitted(address indexed contributor, bytes32 indexed commitment);
    /// @notice Contribution `contributionId`, revealing a commitment made at block `commitBlock`, now claims
    /// `contentHash` in datanet `datanetId`: no other copy can be accepted while it is pending.
    event ContentClaimed(
        uint256 indexed datanetId, bytes32 indexed contentHash, uint256 indexed contributionId, uint64 commitBlock
    );
    /// @notice `curator` accepted contribution `contributionId`; its bond went back to the contributor.
    event ContributionAccepted(uint256 indexed contributionId, uint256 indexed datanetId, address indexed curator);
    /// @notice `curator` rejected contribution `contributionId`; `slashedBond` OPEN went to `treasury`.
    event ContributionRejected(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed curator,
        address treasury,
        uint256 slashedBond
    );
    /// @notice The contributor withdrew unreviewed contribution `contributionId` and its `bond`.
    event ContributionWithdrawn(uint256 indexed contributionId, uint256 indexed datanetId, uint256 bond);
    /// @notice Payouts for contribution `contributionId` now go to `newPayee`.
    event PayeeChanged(uint256 indexed contributionId, address indexed previousPayee, address indexed newPayee);
    /// @notice `account` requested access to datanet `datanetId`, escrowing `fee` OPEN.
    event AccessRequested(uint256 indexed datanetId, address indexed account, uint256 fee);
    /// @notice The owner granted `account` access to datanet `datanetId`; `fee` OPEN went to the owner.
    event AccessGranted(uint256 indexed datanetId, address indexed account, uint256 fee);
    /// @notice The owner denied `account`'s request; `refund` OPEN went back to `account`.
    event AccessDenied(uint256 indexed datanetId, address indexed account, uint256 refund);
    /// @notice `account` cancelled its pending request; `refund` OPEN went back to `account`.
    event AccessRequestCancelled(uint256 indexed datanetId, address indexed account, uint256 refund);
    /// @notice The owner revoked `account`'s access to datanet `datanetId`.
    event AccessRevoked(uint256 indexed datanetId, address indexed account);
    /// @notice Slashed bonds now go to `treasury`.
    event TreasurySet(address indexed treasury);
    /// @notice Governance bounds for review timeouts changed.
    event ReviewTimeoutBoundsSet(uint64 minReviewTimeout, uint64 maxReviewTimeout);

    // ----------------------------------------------------------------------------------------------------------
    // Datanets
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Creates a datanet owned by the caller.
    /// @param config Metadata URI, contribution bond, access fee and review timeout.
    /// @param curators Initial curators (the owner can always review, listed or not).
    /// @return datanetId The new datanet's id.
    function createDatanet(DatanetConfig calldata config, address[] calldata curators)
        external
        returns (uint256 datanetId);

    /// @notice Updates a datanet's parameters; only its owner. Pending contributions and access requests keep the
    /// bond and fee they escrowed.
    /// @param datanetId The datanet.
    /// @param config The new parameters.
    function updateDatanet(uint256 datanetId, DatanetConfig calldata config) external;

    /// @notice Hands a datanet to a new owner; only its owner.
    /// @param datanetId The datanet.
    /// @param newOwner The new owner (not zero).
    function transferDatanetOwnership(uint256 datanetId, address newOwner) external;

    /// @notice Adds a curator; only the datanet owner.
    /// @param datanetId The datanet.
    /// @param curator The account allowed to review contributions.
    function addCurator(uint256 datanetId, address curator) external;

    /// @notice Removes a curator; only the datanet owner.
    /// @param datanetId The datanet.
    /// @param curator The curator to remove.
    function removeCurator(uint256 datanetId, address curator) external;

    // ----------------------------------------------------------------------------------------------------------
    // Contributions
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Submits a contribution in one step, pulling the datanet's contribution bond from the caller (needs
    /// allowance, which also caps what the caller pays if the owner raises the bond). It claims nothing: a copy
    /// revealed from an earlier commitment is accepted first (see `revealContribution`).
    /// @param datanetId The datanet.
    /// @param contentHash sha256 of the file; refused once a contribution with it is accepted, while the caller
    /// has one pending, or after it was rejected from the caller. Other contributors' pending copies do not block.
    /// @param uri Where the file can be fetched.
    /// @return contributionId The new contribution's id.
    function contribute(uint256 datanetId, bytes32 contentHash, string calldata uri)
        external
        returns (uint256 contributionId);

    /// @notice Like `contribute(datanetId, contentHash, uri)`, refusing (`DatanetBondAboveMax`) a bond the owner
    /// raised above `maxBond` before the call landed.
    /// @param datanetId The datanet.
    /// @param contentHash sha256 of the file; refused as in `contribute(datanetId, contentHash, uri)`.
    /// @param uri Where the file can be fetched.
    /// @param maxBond Most OPEN the caller agrees to bond.
    /// @return contributionId The new contribution's id.
    function contribute(uint256 datanetId, bytes32 contentHash, string calldata uri, uint256 maxBond)
        external
        returns (uint256 contributionId);

    /// @notice Records a commitment to a contribution without disclosing its content hash, the first step of a
    /// front-running-proof submission. Reveal it with `revealContribution` once this transaction is mined.
    /// @param commitment `contributionCommitment(datanetId, contentHash, msg.sender, salt)` for a secret `salt`.
    function commitContribution(bytes32 commitment) external;

    /// @notice Submits the contribution the caller committed to at least one block earlier, like
    /// `contribute(datanetId, contentHash, uri, maxBond)`; it claims `contentHash` (`ContentClaimed`) unless a
    /// pending copy committed at the same block or earlier already does. Since the hash stays secret until this
    /// call, anyone copying it commits later and loses the claim, whichever copy is revealed first.
    /// @param datanetId The datanet.
    /// @param contentHash sha256 of the file, refused as in `contribute`.
    /// @param uri Where the file can be fetched (not part of the commitment).
    /// @param maxBond Most OPEN the caller agrees to bond.
    /// @param salt The secret the commitment was made with.
    /// @return contributionId The new contribution's id.
    function revealContribution(
        uint256 datanetId,
        bytes32 contentHash,
        string calldata uri,
        uint256 maxBond,
        bytes32 salt
    ) external returns (uint256 contributionId);

    /// @notice Accepts a pending contribution and returns its bond to the contributor; only a curator or the
    /// datanet owner, never the contributor. Refused (`DatanetDuplicateContent`) once another copy of its content
    /// hash is accepted, and (`DatanetContentClaimed`) while another pending copy claims the hash.
    /// @param contributionId The contribution.
    function acceptContribution(uint256 contributionId) external;

    /// @notice Rejects a pending contribution and sends its bond to the treasury; only a curator or the datanet
    /// owner, never the contributor.
    /// @param contributionId The contribution.
    function rejectContribution(uint256 contributionId) external;

    /// @notice Withdraws a contribution still pending at its `reviewDeadline` (fixed at submission, so an owner
    /// raising the datanet's review timeout cannot lock pending bonds longer), returning its bond; only the
    /// contributor.
    /// @param contributionId The contribution.
    function withdrawContribution(uint256 contributionId) external;

    /// @notice Points a contribution's payouts to a new address; by the contributor or the current payee.
    /// @param contributionId The contribution.
    /// @param newPayee The new payee (not zero).
    function setPayee(uint256 contributionId, address newPayee) external;

    // ----------------------------------------------------------------------------------------------------------
    // Access
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Requests access to a datanet, escrowing its access fee (needs allowance).
    /// @param datanetId The datanet.
    function requestAccess(uint256 datanetId) external;

    /// @notice Like `requestAccess(datanetId)`, refusing (`DatanetFeeAboveMax`) a fee the owner raised above
    /// `maxFee` before the call landed; without it only the caller's allowance caps what the owner can collect.
    /// @param datanetId The datanet.
    /// @param maxFee Most OPEN the caller agrees to escrow.
    function requestAccess(uint256 datanetId, uint256 maxFee) external;

    /// @notice Cancels the caller's pending request and refunds the escrowed fee.
    /// @param datanetId The datanet.
    function cancelAccessRequest(uint256 datanetId) external;

    /// @notice Grants a pending request; the escrowed fee goes to the datanet owner. Only the datanet owner.
    /// @param datanetId The datanet.
    /// @param account The requester.
    function approveAccess(uint256 datanetId, address account) external;

    /// @notice Denies a pending request; the escrowed fee goes back to the requester. Only the datanet owner.
    /// @param datanetId The datanet.
    /// @param account The requester.
    function denyAccess(uint256 datanetId, address account) external;

    /// @notice Revokes granted access (the fee is not refunded). Only the datanet owner.
    /// @dev Revocation stops future reads and future model registrations on the datanet; it does not touch models
    /// already registered with it. Such a model was trained while access was granted, the training cannot be
    /// undone by taking access away, and letting a datanet owner switch off someone else's model (and the
    /// attribution payouts it earns for the datanet's contributors) at will would make every registered model
    /// hostage to the owner. Delisting a model is governance's tool (`IModelRegistry.delist`).
    /// @param datanetId The datanet.
    /// @param account The account losing access.
    function revokeAccess(uint256 datanetId, address account) external;

    // ----------------------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Sets where rejected bonds go; only the contract owner (the governance timelock).
    /// @param treasury The new treasury (not zero).
    function setTreasury(address treasury) external;

    /// @notice Sets the bounds within which datanet owners choose review timeouts; only the contract owner.
    /// Existing datanets keep their timeout.
    /// @param minReviewTimeout Smallest allowed timeout in seconds (not zero).
    /// @param maxReviewTimeout Largest allowed timeout in seconds.
    function setReviewTimeoutBounds(uint64 minReviewTimeout, uint64 maxReviewTimeout) external;

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @notice The OPEN token used for bonds and fees.
    function open() external view returns (address);

    /// @notice Where rejected bonds go.
    function treasury() external view returns (address);

    /// @notice Smallest review timeout a datanet may choose, in seconds.
    function minReviewTimeout() external view returns (uint64);

    /// @notice Largest review timeout a datanet may choose, in seconds.
    function maxReviewTimeout() external view returns (uint64);

    /// @notice Number of datanets created (the highest datanet id).
    function datanetCount() external view returns (uint256);

    /// @notice Number of contributions submitted (the highest contribution id).
    function contributionCount() external view returns (uint256);

    /// @notice A datanet; reverts with `DatanetUnknown` for an unknown id.
    /// @param datanetId The datanet.
    function getDatanet(uint256 datanetId) external view returns (Datanet memory);

    /// @notice A datanet's owner; reverts with `DatanetUnknown` for an unknown id.
    /// @param datanetId The datanet.
    function datanetOwner(uint256 datanetId) external view returns (address);

    /// @notice Whether `account` curates datanet `datanetId` (the owner is not listed unless added).
    /// @param datanetId The datanet.
    /// @param account The account.
    function isCurator(uint256 datanetId, address account) external view returns (bool);

    /// @notice A contribution; reverts with `DatanetUnknownContribution` for an unknown id.
    /// @param contributionId The contribution.
    function getContribution(uint256 contributionId) external view returns (Contribution memory);

    /// @notice The fields a payout needs, without copying the whole contribution (cheaper than `getContribution`).
    /// Reverts with `DatanetUnknownContribution` for an unknown id.
    /// @param contributionId The contribution.
    /// @return datanetId The datanet it belongs to.
    /// @return payee Who receives its payouts.
    /// @return status Its review status.
    function contributionPayout(uint256 contributionId)
        external
        view
        returns (uint256 datanetId, address payee, ContributionStatus status);

    /// @notice The accepted contribution holding `contentHash` in datanet `datanetId`; while none is, the pending
    /// contribution claiming it by the earliest commitment seen; otherwise zero (single-step pending copies are not
    /// indexed here, see `contributionOf`).
    /// @param datanetId The datanet.
    /// @param contentHash The content hash.
    function contributionByHash(uint256 datanetId, bytes32 contentHash) external view returns (uint256);

    /// @notice `contributor`'s latest contribution of `contentHash` to datanet `datanetId`, or zero.
    /// @param datanetId The datanet.
    /// @param contentHash The content hash.
    /// @param contributor The contributor.
    function contributionOf(uint256 datanetId, bytes32 contentHash, address contributor) external view returns (uint256);

    /// @notice The commitment `revealContribution` checks: `keccak256(abi.encode(datanetId, contentHash,
    /// contributor, salt))`.
    /// @param datanetId The datanet.
    /// @param contentHash The content hash.
    /// @param contributor Who will reveal it.
    /// @param salt A secret that keeps the content hash from being guessed from the commitment.
    function contributionCommitment(uint256 datanetId, bytes32 contentHash, address contributor, bytes32 salt)
        external
        pure
        returns (bytes32);

    /// @notice The block at which `contributor` committed `commitment`, or zero if it has none (or revealed it).
    /// @param contributor The committer.
    /// @param commitment The commitment.
    function commitmentBlock(address contributor, bytes32 commitment) external view returns (uint64);

    /// @notice `account`'s access record for datanet `datanetId`.
    /// @param datanetId The datanet.
    /// @param account The account.
    function accessOf(uint256 datanetId, address account) external view returns (AccessRecord memory);

    /// @notice Whether `account` may read datanet `datanetId`: its owner, a curator, or granted access.
    /// Reverts with `DatanetUnknown` for an unknown id.
    /// @param datanetId The datanet.
    /// @param account The account.
    function hasAccess(uint256 datanetId, address account) external view returns (bool);
}
