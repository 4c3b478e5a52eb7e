// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {
    GovernorVotesQuorumFraction
} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {IOpenGovernor} from "./interfaces/IOpenGovernor.sol";

/// @title OpenGovernor
/// @notice Governance by value created: proposals are voted with ContributionVotes and executed by the
/// TimelockController that owns every protocol parameter and the treasury. See {IOpenGovernor}.
contract OpenGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    IOpenGovernor
{
    using Checkpoints for Checkpoints.Trace208;

    // Checkpointed like the quorum numerator, so that a change never moves the quorum of a proposal already made.
    Checkpoints.Trace208 private _quorumFloorHistory;

    /// @param votes The ContributionVotes token (timestamp clock).
    /// @param timelock The timelock that executes proposals.
    /// @param settings Voting delay, voting period, proposal threshold, quorum percentage and quorum floor.
    constructor(IVotes votes, TimelockController timelock, GovernorConfig memory settings)
        Governor("OpenGovernor")
        GovernorSettings(settings.votingDelay, settings.votingPeriod, settings.proposalThreshold)
        GovernorVotes(votes)
        GovernorVotesQuorumFraction(settings.quorumPercent)
        GovernorTimelockControl(timelock)
    {
        // The deployment floor may exceed the (empty) supply: that is what it is for.
        _setQuorumFloor(settings.quorumFloor, type(uint208).max);
    }

    // ─── Quorum floor ─────────────────────────────────────────────────────────

    /// @inheritdoc IOpenGovernor
    function setQuorumFloor(uint256 newQuorumFloor) external onlyGovernance {
        _setQuorumFloor(newQuorumFloor, token().getPastTotalSupply(clock() - 1));
    }

    /// @inheritdoc IOpenGovernor
    function quorumFloor() public view returns (uint256) {
        return _quorumFloorHistory.latest();
    }

    /// @inheritdoc IOpenGovernor
    function quorumFloor(uint256 timepoint) public view returns (uint256) {
        return _optimisticUpperLookupRecent(_quorumFloorHistory, timepoint);
    }

    /// @notice The votes For or Abstain a proposal with its snapshot at `timepoint` needs: the quorum fraction of
    /// the votes then, but never fewer than the quorum floor then.
    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        uint256 fraction = super.quorum(timepoint);
        uint256 floor = quorumFloor(timepoint);
        return fraction > floor ? fraction : floor;
    }

    function _setQuorumFloor(uint256 newQuorumFloor, uint256 max) internal {
        if (newQuorumFloor == 0 || newQuorumFloor > max) revert GovernorQuorumFloorOutOfBounds(newQuorumFloor, max);
        uint256 oldQuorumFloor = quorumFloor();
        _quorumFloorHistory.push(clock(), SafeCast.toUint208(newQuorumFloor));
        emit QuorumFloorUpdated(oldQuorumFloor, newQuorumFloor);
    }

    // ─── Overrides ────────────────────────────────────────────────────────────

    // The overrides below only resolve the diamond between the Governor extensions.

    /// @inheritdoc Governor
    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    /// @inheritdoc Governor
    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    /// @inheritdoc Governor
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc Governor
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc Governor
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
