// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../contracts/ContributionVotes.sol";
import {DatanetRegistry} from "../contracts/DatanetRegistry.sol";
import {ModelRegistry} from "../contracts/ModelRegistry.sol";
import {OpenGovernor} from "../contracts/OpenGovernor.sol";
import {OpenToken} from "../contracts/OpenToken.sol";
import {IContributionVotes} from "../contracts/interfaces/IContributionVotes.sol";
import {IDatanetRegistry} from "../contracts/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "../contracts/interfaces/IModelRegistry.sol";
import {IOpenGovernor} from "../contracts/interfaces/IOpenGovernor.sol";

/// @notice Governance end to end: votes earned by contributors decide parameter changes that the timelock executes.
contract OpenGovernorTest is Test {
    uint48 internal constant VOTING_DELAY = 1 days;
    uint32 internal constant VOTING_PERIOD = 1 weeks;
    uint256 internal constant THRESHOLD = 100 ether;
    uint256 internal constant QUORUM_PERCENT = 5;
    uint256 internal constant QUORUM_FLOOR = 20 ether;
    uint256 internal constant TIMELOCK_DELAY = 2 days;

    OpenToken internal open;
    ContributionVotes internal votes;
    DatanetRegistry internal datanets;
    ModelRegistry internal models;
    TimelockController internal timelock;
    OpenGovernor internal governor;

    address internal market = makeAddr("market"); // the authorised minter
    address internal alice = makeAddr("alice"); // a prolific contributor
    address internal bob = makeAddr("bob"); // a small contributor
    address internal nobody = makeAddr("nobody");

    function setUp() public {
        vm.warp(1_700_000_000);
        open = new OpenToken(address(0), address(0), 1_000_000 ether, address(this), 1_000_000 ether);
        votes = new ContributionVotes(address(this));
        datanets = new DatanetRegistry(IERC20(address(open)), address(this), address(this), 1 hours, 30 days);
        models = new ModelRegistry(datanets, address(this));

        timelock = new TimelockController(TIMELOCK_DELAY, new address[](0), new address[](1), address(this));
        governor = new OpenGovernor(
            votes,
            timelock,
            IOpenGovernor.GovernorConfig(VOTING_DELAY, VOTING_PERIOD, THRESHOLD, QUORUM_PERCENT, QUORUM_FLOOR)
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));

        votes.setMinter(market, true);
        datanets.setTreasury(address(timelock));
        votes.transferOwnership(address(timelock));
        datanets.transferOwnership(address(timelock));
        models.transferOwnership(address(timelock));

        vm.startPrank(market);
        votes.mint(alice, 1000 ether);
        votes.mint(bob, 10 ether);
        vm.stopPrank();
        vm.warp(block.timestamp + 1);
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------

    struct Proposal {
        address[] targets;
        uint256[] values;
        bytes[] calldatas;
        string description;
    }

    function _single(address target, bytes memory data, string memory description)
        internal
        pure
        returns (Proposal memory p)
    {
        p.targets = new address[](1);
        p.values = new uint256[](1);
        p.calldatas = new bytes[](1);
        p.targets[0] = target;
        p.calldatas[0] = data;
        p.description = description;
    }

    function _propose(address proposer, Proposal memory p) internal returns (uint256 proposalId) {
        vm.prank(proposer);
        proposalId = governor.propose(p.targets, p.values, p.calldatas, p.description);
    }

    function _queue(Proposal memory p) internal returns (uint256) {
        return governor.queue(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
    }

    function _execute(Proposal memory p) internal returns (uint256) {
        return governor.execute(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
    }

    /// @dev Alice proposes and votes For; the proposal is queued and its timelock delay has passed.
    function _passAndQueue(Proposal memory p) internal returns (uint256 proposalId) {
        proposalId = _propose(alice, p);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(alice);
        governor.castVote(proposalId, 1);
        vm.warp(governor.proposalDeadline(proposalId) + 1);
        _queue(p);
        vm.warp(block.timestamp + TIMELOCK_DELAY);
    }

    function _state(uint256 proposalId) internal view returns (uint8) {
        return uint8(governor.state(proposalId));
    }

    // ------------------------------------------------------------------------------------------------------
    // Tests
    // ------------------------------------------------------------------------------------------------------

    function test_settings() public view {
        assertEq(governor.name(), "OpenGovernor");
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.votingPeriod(), VOTING_PERIOD);
        assertEq(governor.proposalThreshold(), THRESHOLD);
        assertEq(governor.quorumNumerator(), QUORUM_PERCENT);
        assertEq(governor.quorumFloor(), QUORUM_FLOOR);
        // 5% of the 1,010 votes is above the floor.
        assertEq(governor.quorum(block.timestamp - 1), (1010 ether * QUORUM_PERCENT) / 100);
        assertEq(governor.clock(), block.timestamp);
        assertEq(governor.CLOCK_MODE(), "mode=timestamp");
        assertEq(governor.timelock(), address(timelock));
        assertEq(address(governor.token()), address(votes));
    }

    function test_roundTrip_contributorChangesParametersThroughTimelock() public {
        // One proposal touching every contract the timelock owns.
        Proposal memory p;
        p.targets = new address[](4);
        p.values = new uint256[](4);
        p.calldatas = new bytes[](4);
        p.targets[0] = address(datanets);
        p.calldatas[0] = abi.encodeCall(IDatanetRegistry.setReviewTimeoutBounds, (2 hours, 14 days));
        p.targets[1] = address(votes);
        p.calldatas[1] = abi.encodeCall(IContributionVotes.setMinter, (nobody, true));
        p.targets[2] = address(datanets);
        p.calldatas[2] = abi.encodeCall(IDatanetRegistry.setTreasury, (nobody));
        p.targets[3] = address(governor);
        p.calldatas[3] = abi.encodeCall(GovernorSettings.setVotingPeriod, (3 days));
        p.description = "Tighten review timeouts, add a minter, move the treasury, shorten voting";

        uint256 id = _propose(alice, p);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Pending));
        assertEq(governor.proposalSnapshot(id), block.timestamp + VOTING_DELAY);

        vm.warp(block.timestamp + VOTING_DELAY + 1);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Active));
        vm.prank(alice);
        governor.castVote(id, 1);
        vm.prank(bob);
        governor.castVote(id, 0);
        (uint256 against, uint256 forVotes, uint256 abstain) = governor.proposalVotes(id);
        assertEq(forVotes, 1000 ether);
        assertEq(against, 10 ether);
        assertEq(abstain, 0);

        vm.warp(governor.proposalDeadline(id) + 1);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Succeeded));
        _queue(p);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Queued));

        vm.warp(block.timestamp + TIMELOCK_DELAY);
        _execute(p);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Executed));
        assertEq(datanets.minReviewTimeout(), 2 hours);
        assertEq(datanets.maxReviewTimeout(), 14 days);
        assertTrue(votes.isMinter(nobody));
        assertEq(datanets.treasury(), nobody);
        assertEq(governor.votingPeriod(), 3 days);
    }

    function test_RevertWhen_settingsChangedOutsideGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, alice));
        vm.prank(alice);
        governor.setVotingPeriod(1);
    }

    function test_roundTrip_governanceDelistsModel() public {
        vm.startPrank(alice);
        datanets.createDatanet(IDatanetRegistry.DatanetConfig("ipfs://d", 0, 0, 1 days), new address[](0));
        uint256[] memory ids = new uint256[](1);
        ids[0] = 1;
        uint256 modelId = models.registerModel(
            IModelRegistry.ModelParams("base", keccak256("adapter"), "blob://a", bytes32(0), ids, 1, "ipfs://m")
        );
        vm.stopPrank();

        Proposal memory p = _single(
            address(models), abi.encodeCall(IModelRegistry.delist, (modelId, "licence breach")), "Delist model 1"
        );
        _passAndQueue(p);
        _execute(p);
        assertEq(uint8(models.getModel(modelId).status), uint8(IModelRegistry.ModelStatus.Delisted));
    }

    function test_cancel_byProposerBeforeVoting() public {
        Proposal memory p = _single(address(datanets), abi.encodeCall(IDatanetRegistry.setTreasury, (bob)), "oops");
        uint256 id = _propose(alice, p);
        assertTrue(governor.proposalNeedsQueuing(id));
        vm.prank(alice);
        governor.cancel(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
        assertEq(_state(id), uint8(IGovernor.ProposalState.Canceled));
    }

    function test_RevertWhen_cancelByOthers() public {
        Proposal memory p = _single(address(datanets), abi.encodeCall(IDatanetRegistry.setTreasury, (bob)), "mine");
        uint256 id = _propose(alice, p);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorUnableToCancel.selector, id, bob));
        vm.prank(bob);
        governor.cancel(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
    }

    function test_RevertWhen_proposerBelowThreshold() public {
        Proposal memory p = _single(address(datanets), abi.encodeCall(IDatanetRegistry.setTreasury, (bob)), "x");
        vm.expectRevert(
            abi.encodeWithSelector(IGovernor.GovernorInsufficientProposerVotes.selector, bob, 10 ether, THRESHOLD)
        );
        _propose(bob, p);
    }

    function test_proposalDefeatedWithoutQuorum() public {
        // Bob can propose (210 votes) but alone stays below 5% of the 11,210 votes in existence.
        vm.startPrank(market);
        votes.mint(bob, 200 ether);
        votes.mint(alice, 10_000 ether);
        vm.stopPrank();
        vm.warp(block.timestamp + 1);
        Proposal memory p = _single(address(datanets), abi.encodeCall(IDatanetRegistry.setTreasury, (bob)), "bob");
        uint256 id = _propose(bob, p);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(bob);
        governor.castVote(id, 1);
        vm.warp(governor.proposalDeadline(id) + 1);
        (uint256 against, uint256 forVotes,) = governor.proposalVotes(id);
        assertGt(forVotes, against);
        assertLt(forVotes, governor.quorum(governor.proposalSnapshot(id)));
        assertEq(_state(id), uint8(IGovernor.ProposalState.Defeated));
    }

    function test_votesMintedAfterSnapshotDoNotCount() public {
        Proposal memory p = _single(address(datanets), abi.encodeCall(IDatanetRegistry.setTreasury, (bob)), "late");
        uint256 id = _propose(alice, p);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(market);
        votes.mint(nobody, 5000 ether);
        assertEq(governor.getVotes(nobody, governor.proposalSnapshot(id)), 0);
        vm.prank(nobody);
        governor.castVote(id, 0);
        (uint256 against,,) = governor.proposalVotes(id);
        assertEq(against, 0);
    }

    function test_RevertWhen_executedBeforeTimelockDelay() public {
        Proposal memory p = _single(address(datanets), abi.encodeCall(IDatanetRegistry.setTreasury, (bob)), "early");
        uint256 id = _propose(alice, p);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(alice);
        governor.castVote(id, 1);
        vm.warp(governor.proposalDeadline(id) + 1);
        _queue(p);

        bytes32 descriptionHash = keccak256(bytes(p.description));
        bytes32 salt = bytes20(address(governor)) ^ descriptionHash;
        bytes32 operationId = timelock.hashOperationBatch(p.targets, p.values, p.calldatas, 0, salt);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operationId,
                // forge-lint: disable-next-line(incorrect-shift)
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        _execute(p);
    }

    function test_RevertWhen_parameterSetDirectlyAfterHandover() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        datanets.setTreasury(bob);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        votes.setMinter(bob, true);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        models.delist(1, "");
    }

    function test_RevertWhen_timelockScheduledByOthers() public {
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        vm.expectRevert(
            abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", alice, proposerRole)
        );
        vm.prank(alice);
        timelock.schedule(address(datanets), 0, "", 0, 0, TIMELOCK_DELAY);
    }

    // ------------------------------------------------------------------------------------------------------
    // Quorum floor
    // ------------------------------------------------------------------------------------------------------

    function test_quorum_isFloorWhileFewVotesExist() public {
        // Before the first vote is minted a fraction of the supply is zero; the floor still applies.
        ContributionVotes empty = new ContributionVotes(address(this));
        OpenGovernor launched = new OpenGovernor(
            empty, timelock, IOpenGovernor.GovernorConfig(VOTING_DELAY, VOTING_PERIOD, 0, QUORUM_PERCENT, QUORUM_FLOOR)
        );
        vm.warp(block.timestamp + 1);
        assertEq(empty.getPastTotalSupply(block.timestamp - 1), 0);
        assertEq(launched.quorum(block.timestamp - 1), QUORUM_FLOOR);
    }

    function test_proposalDefeatedBelowQuorumFloor_evenWithEveryVote() public {
        // A governor whose floor (5,000) is above all 1,010 votes in existence: alice votes with 99% of them.
        TimelockController lock = new TimelockController(TIMELOCK_DELAY, new address[](0), new address[](1), address(0));
        OpenGovernor floored = new OpenGovernor(
            votes,
            lock,
            IOpenGovernor.GovernorConfig(VOTING_DELAY, VOTING_PERIOD, THRESHOLD, QUORUM_PERCENT, 5000 ether)
        );
        Proposal memory p = _single(address(datanets), abi.encodeCall(IDatanetRegistry.setTreasury, (bob)), "few");
        vm.prank(alice);
        uint256 id = floored.propose(p.targets, p.values, p.calldatas, p.description);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(alice);
        floored.castVote(id, 1);
        vm.warp(floored.proposalDeadline(id) + 1);
        (, uint256 forVotes,) = floored.proposalVotes(id);
        uint256 snapshot = floored.proposalSnapshot(id);
        assertGt(forVotes, (votes.getPastTotalSupply(snapshot) * QUORUM_PERCENT) / 100);
        assertEq(floored.quorum(snapshot), 5000 ether);
        assertEq(uint8(floored.state(id)), uint8(IGovernor.ProposalState.Defeated));
    }

    function test_setQuorumFloor_throughGovernance_keepsEarlierSnapshots() public {
        uint256 before = block.timestamp - 1;
        Proposal memory p =
            _single(address(governor), abi.encodeCall(IOpenGovernor.setQuorumFloor, (500 ether)), "raise floor");
        _passAndQueue(p);
        vm.expectEmit(address(governor));
        emit IOpenGovernor.QuorumFloorUpdated(QUORUM_FLOOR, 500 ether);
        _execute(p);
        assertEq(governor.quorumFloor(), 500 ether);
        assertEq(governor.quorumFloor(block.timestamp), 500 ether);
        assertEq(governor.quorumFloor(before), QUORUM_FLOOR);
        assertEq(governor.quorum(before), (1010 ether * QUORUM_PERCENT) / 100);
        vm.warp(block.timestamp + 1);
        assertEq(governor.quorum(block.timestamp - 1), 500 ether);
    }

    function test_RevertWhen_setQuorumFloorOutsideGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, alice));
        vm.prank(alice);
        governor.setQuorumFloor(1 ether);
    }

    function test_RevertWhen_setQuorumFloorAboveVotesInExistence() public {
        Proposal memory p =
            _single(address(governor), abi.encodeCall(IOpenGovernor.setQuorumFloor, (1011 ether)), "lock out");
        _passAndQueue(p);
        vm.expectRevert(
            abi.encodeWithSelector(IOpenGovernor.GovernorQuorumFloorOutOfBounds.selector, 1011 ether, 1010 ether)
        );
        _execute(p);
    }

    function test_RevertWhen_setQuorumFloorZero() public {
        Proposal memory p = _single(address(governor), abi.encodeCall(IOpenGovernor.setQuorumFloor, (0)), "no floor");
        _passAndQueue(p);
        vm.expectRevert(abi.encodeWithSelector(IOpenGovernor.GovernorQuorumFloorOutOfBounds.selector, 0, 1010 ether));
        _execute(p);
    }

    function test_RevertWhen_deployedWithoutQuorumFloor() public {
        vm.expectRevert(
            abi.encodeWithSelector(IOpenGovernor.GovernorQuorumFloorOutOfBounds.selector, 0, type(uint208).max)
        );
        new OpenGovernor(
            votes, timelock, IOpenGovernor.GovernorConfig(VOTING_DELAY, VOTING_PERIOD, THRESHOLD, QUORUM_PERCENT, 0)
        );
    }
}
