// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IOpenGovernor
/// @notice The protocol's Governor. Its own interface is OpenZeppelin's `IGovernor`; proposals pass through a
/// `TimelockController` that owns every protocol parameter and the treasury. On top of OpenZeppelin's quorum
/// fraction it keeps an absolute quorum floor: a proposal needs `max(quorumNumerator% of the votes at its
/// snapshot, quorumFloor)` votes For or Abstain, so a handful of votes cannot decide while few votes exist (at
/// launch the vote supply is zero and a fraction of it is zero too).
/// @dev The launch guardian is not part of the Governor: it holds the timelock's `CANCELLER_ROLE` and can cancel
/// any queued operation during the timelock delay; governance retires it with `revokeRole` on the timelock.
interface IOpenGovernor {
    /// @notice Governor settings at deployment; each can later change by proposal.
    /// @param votingDelay Seconds between a proposal and the start of voting.
    /// @param votingPeriod Seconds voting stays open.
    /// @param proposalThreshold Votes needed to propose.
    /// @param quorumPercent Share of the total votes, in percent, that must vote For or Abstain.
    /// @param quorumFloor Fewest votes For or Abstain any proposal needs, whatever the supply; at deployment it
    /// may exceed the supply (that is its purpose at launch).
    struct GovernorConfig {
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumPercent;
        uint256 quorumFloor;
    }

    /// @notice A quorum floor of `quorumFloor` is zero or above `max` (the votes in existence when governance
    /// sets it, or the checkpoint capacity at deployment).
    error GovernorQuorumFloorOutOfBounds(uint256 quorumFloor, uint256 max);

    /// @notice The quorum floor changed from `oldQuorumFloor` to `newQuorumFloor`; proposals whose snapshot is
    /// before the change keep the old floor.
    event QuorumFloorUpdated(uint256 oldQuorumFloor, uint256 newQuorumFloor);

    /// @notice The current quorum floor.
    /// @return Votes.
    function quorumFloor() external view returns (uint256);

    /// @notice The quorum floor in force at `timepoint`.
    /// @param timepoint A timestamp.
    /// @return Votes.
    function quorumFloor(uint256 timepoint) external view returns (uint256);

    /// @notice Sets the quorum floor of proposals whose snapshot is from now on; only through governance.
    /// @dev Bounded by the votes in existence so that governance cannot demand more votes than exist.
    /// @param newQuorumFloor Votes, in (0, total votes now].
    function setQuorumFloor(uint256 newQuorumFloor) external;
}
