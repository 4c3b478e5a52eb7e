// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IOpenGovernor
/// @notice Deployment settings of the protocol's Governor. The Governor's own interface is OpenZeppelin's
/// `IGovernor`; proposals pass through a `TimelockController` that owns every protocol parameter.
interface IOpenGovernor {
    /// @notice Governor settings at deployment; each can later change by proposal.
    /// @param votingDelay Seconds between a proposal and the start of voting.
    /// @param votingPeriod Seconds voting stays open.
    /// @param proposalThreshold Votes needed to propose.
    /// @param quorumPercent Share of the total votes, in percent, that must vote For or Abstain.
    struct GovernorConfig {
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumPercent;
    }
}
