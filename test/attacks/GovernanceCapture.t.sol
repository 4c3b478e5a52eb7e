// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AgentRegistry} from "../../contracts/AgentRegistry.sol";
import {OpenGovernor} from "../../contracts/OpenGovernor.sol";
import {IAgentRegistry} from "../../contracts/interfaces/IAgentRegistry.sol";
import {IInferenceMarket} from "../../contracts/interfaces/IInferenceMarket.sol";
import {IKeeperRegistry} from "../../contracts/interfaces/IKeeperRegistry.sol";
import {Deploy} from "../../script/Deploy.s.sol";
import {ProtocolFixture} from "../utils/ProtocolFixture.sol";

/// @notice Governance capture by self-dealt votes, against the production configuration of `script/Deploy.s.sol`
/// (quorum floor, launch guardian, unbonding longer than a governance decision). An account that owns a datanet,
/// a contribution, a model and two keepers pays requests to its own model and earns ContributionVotes.
/// @dev Reuses ProtocolFixture's report signing; its own setUp is replaced by the deployment.
contract GovernanceCaptureTest is ProtocolFixture {
    uint256 internal constant TREASURY = 50_000_000 ether;

    /// @dev An account that earns votes by paying requests to its own model, reported by `keys` (ascending).
    struct Earner {
        address account;
        uint256 modelId;
        uint256 contributionId;
        address[2] signers;
        uint256[2] keys;
    }

    struct Proposal {
        address[] targets;
        uint256[] values;
        bytes[] calldatas;
        string description;
    }

    Deploy.Deployment internal d;
    OpenGovernor internal governor;
    TimelockController internal timelock;
    AgentRegistry internal agents;

    address internal guardian = makeAddr("guardian");
    Earner internal selfDealer;
    Earner internal community;
    address[2] internal honestKeepers;

    function setUp() public override {
        vm.warp(1_700_000_000);
        Deploy script = new Deploy();
        Deploy.Config memory c = script.config(false);
        c.guardian = guardian;
        d = script.deploy(c);
        open = d.token;
        datanets = d.datanetRegistry;
        models = d.modelRegistry;
        votes = d.contributionVotes;
        keepers = d.keeperRegistry;
        vault = d.rewardVault;
        market = d.market;
        governor = d.governor;
        timelock = d.timelock;
        agents = d.agentRegistry;

        // At launch the deployer holds the whole supply; it funds the treasury and this test's accounts.
        vm.startPrank(d.deployer);
        assertTrue(open.transfer(address(timelock), TREASURY));
        assertTrue(open.transfer(address(this), open.balanceOf(d.deployer)));
        vm.stopPrank();

        (honestKeepers[0],) = _stakedKeeper("honestKeeper0");
        (honestKeepers[1],) = _stakedKeeper("honestKeeper1");
        selfDealer = _earner("selfDealer", 10_000_000 ether);
        community = _earner("community", 10_000_000 ether);
    }

    // ─── Helpers ──────────────────────────────────────────────────────────────

    function _stakedKeeper(string memory name) internal returns (address keeper, uint256 key) {
        (keeper, key) = makeAddrAndKey(name);
        // Enough stake that the settlement capacity (fees awaiting settlement per bonded stake) never binds here.
        uint256 amount = keepers.minStake() * 100;
        _fund(keeper, amount, address(keepers));
        vm.prank(keeper);
        keepers.stake(amount);
        // Kept ascending, as reports need their signers.
        keeperAddrs.push(keeper);
        keeperKeys.push(key);
        for (uint256 i = keeperAddrs.length - 1; i > 0 && keeperAddrs[i - 1] > keeperAddrs[i]; --i) {
            (keeperAddrs[i - 1], keeperAddrs[i]) = (keeperAddrs[i], keeperAddrs[i - 1]);
            (keeperKeys[i - 1], keeperKeys[i]) = (keeperKeys[i], keeperKeys[i - 1]);
        }
    }

    /// @dev A funded account with its own datanet (held by a second account, as a datanet owner may not review its
    /// own contribution), accepted contribution, model and two staked keepers.
    function _earner(string memory name, uint256 funds) internal returns (Earner memory e) {
        e.account = makeAddr(name);
        _fund(e.account, funds, address(market));
        vm.prank(e.account);
        open.approve(address(datanets), type(uint256).max);
        contributor = e.account;
        uint256 ownDatanet = _createDatanet(makeAddr(string.concat(name, "Datanet")));
        e.contributionId = _acceptedContribution(ownDatanet);
        e.modelId = _registerModel(e.account, ownDatanet, 12_500 ether);
        (address a, uint256 ka) = _stakedKeeper(string.concat(name, "Keeper0"));
        (address b, uint256 kb) = _stakedKeeper(string.concat(name, "Keeper1"));
        if (a < b) (e.signers, e.keys) = ([a, b], [ka, kb]);
        else (e.signers, e.keys) = ([b, a], [kb, ka]);
    }

    function _setPrice(Earner memory e, uint256 price) internal {
        vm.prank(e.account);
        models.setPrice(e.modelId, price);
    }

    /// @dev One request from `e` to its own model, reported by its keepers, settled after the challenge window.
    function _settleOwnRequest(Earner memory e) internal {
        vm.prank(e.account);
        uint256 requestId = market.requestInference(e.modelId, keccak256("input"), "blob://input", type(uint256).max);
        // The answer is honest (the self-dealer's own data shaped it), so every keeper signs it: a stake quorum
        // cannot be had with the self-dealer's keepers alone.
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(e.contributionId, 10_000));
        market.submitReport(report, _signatures(report, keeperAddrs.length));
        vm.warp(block.timestamp + market.challengeWindow());
        _finalizeOne(requestId);
    }

    /// @dev Self-deals until `e` holds at least `wanted` votes, then lets the checkpoint settle.
    function _earnVotes(Earner memory e, uint256 wanted) internal {
        for (uint256 i; votes.getVotes(e.account) < wanted; ++i) {
            assertLt(i, 100, "self-dealing mints no votes");
            _settleOwnRequest(e);
        }
        vm.warp(block.timestamp + 1);
    }

    function _proposal(uint256 length, string memory description) internal pure returns (Proposal memory p) {
        p.targets = new address[](length);
        p.values = new uint256[](length);
        p.calldatas = new bytes[](length);
        p.description = description;
    }

    function _treasuryPayout(address to) internal view returns (Proposal memory p) {
        p = _proposal(1, "Fund ecosystem grant");
        (p.targets[0], p.calldatas[0]) = (address(open), abi.encodeCall(IERC20.transfer, (to, TREASURY)));
    }

    /// @dev Proposed by `proposer`, voted For by `proposer`, voting closed.
    function _proposeAndVote(address proposer, Proposal memory p) internal returns (uint256 id) {
        vm.prank(proposer);
        id = governor.propose(p.targets, p.values, p.calldatas, p.description);
        vm.warp(governor.proposalSnapshot(id) + 1);
        vm.prank(proposer);
        governor.castVote(id, 1);
        vm.warp(governor.proposalDeadline(id) + 1);
    }

    function _queue(Proposal memory p) internal returns (bytes32 operationId) {
        bytes32 descriptionHash = keccak256(bytes(p.description));
        governor.queue(p.targets, p.values, p.calldatas, descriptionHash);
        // GovernorTimelockControl's salt for the batch.
        bytes32 salt = bytes20(address(governor)) ^ descriptionHash;
        operationId = timelock.hashOperationBatch(p.targets, p.values, p.calldatas, 0, salt);
        assertTrue(timelock.isOperationPending(operationId));
    }

    function _execute(Proposal memory p) internal {
        governor.execute(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
    }

    function _state(uint256 id) internal view returns (uint8) {
        return uint8(governor.state(id));
    }

    // ─── (a) Launch: the quorum floor ─────────────────────────────────────────

    /// @notice At launch no votes exist, so 5% of them is zero. A self-dealer that mints itself every vote in
    /// existence, enough to propose, still cannot reach the absolute quorum floor.
    function test_launch_selfDealerHoldingEveryVoteDefeatedByQuorumFloor() public {
        vm.warp(block.timestamp + 1);
        assertEq(votes.getPastTotalSupply(block.timestamp - 1), 0);
        assertEq(governor.quorum(block.timestamp - 1), 100_000 ether);

        _earnVotes(selfDealer, governor.proposalThreshold());
        uint256 held = votes.getVotes(selfDealer.account);
        assertEq(held, votes.totalSupply());
        assertLt(held, governor.quorumFloor());

        Proposal memory p = _treasuryPayout(selfDealer.account);
        uint256 id = _proposeAndVote(selfDealer.account, p);
        (uint256 against, uint256 forVotes,) = governor.proposalVotes(id);
        uint256 snapshot = governor.proposalSnapshot(id);
        assertEq(against, 0);
        assertEq(forVotes, votes.getPastTotalSupply(snapshot));
        // The quorum fraction alone would have let it pass.
        assertGe(forVotes, votes.getPastTotalSupply(snapshot) * governor.quorumNumerator(snapshot) / 100);
        assertEq(governor.quorum(snapshot), 100_000 ether);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Defeated));
        assertEq(open.balanceOf(address(timelock)), TREASURY);
    }

    // ─── (b) The guardian's veto during the timelock delay ────────────────────

    /// @notice A self-dealer that buys past the floor passes a proposal slashing the honest keepers and paying out
    /// the treasury; the guardian cancels it during the timelock delay (the appeal window) and nothing moves.
    function test_capture_queuedSlashAndPayoutCancelledByGuardian() public {
        _setPrice(selfDealer, 125_000 ether);
        _earnVotes(selfDealer, governor.quorumFloor());

        Proposal memory p = _proposal(3, "Slash idle keepers; fund ecosystem grant");
        p.targets[0] = address(keepers);
        p.calldatas[0] = abi.encodeCall(IKeeperRegistry.slash, (honestKeepers[0], type(uint256).max));
        p.targets[1] = address(keepers);
        p.calldatas[1] = abi.encodeCall(IKeeperRegistry.slash, (honestKeepers[1], type(uint256).max));
        p.targets[2] = address(open);
        p.calldatas[2] = abi.encodeCall(IERC20.transfer, (selfDealer.account, TREASURY));
        uint256 id = _proposeAndVote(selfDealer.account, p);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Succeeded));
        bytes32 operationId = _queue(p);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Queued));

        // Inside the appeal window the guardian cancels.
        vm.warp(block.timestamp + timelock.getMinDelay() - 1);
        vm.expectEmit(address(timelock));
        emit TimelockController.Cancelled(operationId);
        vm.prank(guardian);
        timelock.cancel(operationId);
        assertEq(_state(id), uint8(IGovernor.ProposalState.Canceled));

        vm.warp(block.timestamp + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Canceled,
                // forge-lint: disable-next-line(incorrect-shift)
                bytes32((1 << uint8(IGovernor.ProposalState.Succeeded)) | (1 << uint8(IGovernor.ProposalState.Queued)))
            )
        );
        _execute(p);
        assertEq(keepers.stakeOf(honestKeepers[0]), keepers.minStake() * 100);
        assertEq(keepers.stakeOf(honestKeepers[1]), keepers.minStake() * 100);
        assertEq(open.balanceOf(address(timelock)), TREASURY);
    }

    /// @notice An agent that unbonds as soon as it misbehaves, a week before governance proposes its slash, would
    /// be gone before the 15-day decision ends; the guardian freezes its stake when the proposal is made and the
    /// slash lands.
    function test_agentUnbondingBeforeSlashProposal_heldByGuardianFreeze() public {
        address rogue = makeAddr("rogueAgent");
        uint256 stake = agents.minStake();
        _fund(rogue, stake, address(agents));
        uint256[] memory modelIds = new uint256[](1);
        modelIds[0] = community.modelId;
        vm.prank(rogue);
        uint256 agentId = agents.registerAgent(modelIds, "blob://agent", stake);
        vm.prank(rogue);
        uint64 unbondingEndsAt = agents.requestUnbond(agentId);

        vm.warp(block.timestamp + 7 days);
        _setPrice(community, 125_000 ether);
        _earnVotes(community, governor.quorumFloor());
        Proposal memory p = _proposal(1, "Slash agent for fraud");
        p.targets[0] = address(agents);
        p.calldatas[0] = abi.encodeCall(
            IAgentRegistry.slash, (agentId, type(uint256).max, IAgentRegistry.SlashReason.Fraud, "blob://evidence")
        );
        uint64 maxFreeze = agents.MAX_FREEZE_DURATION();
        vm.prank(guardian);
        agents.freeze(agentId, maxFreeze);
        uint256 id = _proposeAndVote(community.account, p);
        _queue(p);
        assertLt(unbondingEndsAt, governor.proposalEta(id));

        vm.warp(unbondingEndsAt);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentStakeFrozen.selector, agentId, agents.frozenUntil(agentId))
        );
        vm.prank(rogue);
        agents.withdraw(agentId);

        vm.warp(governor.proposalEta(id));
        _execute(p);
        assertEq(agents.getAgent(agentId).stake, 0);
        assertEq(open.balanceOf(address(timelock)), TREASURY + stake);
    }

    // ─── (c) Retiring the guardian ────────────────────────────────────────────

    /// @notice Governance retires the guardian by proposal; afterwards it can neither cancel a queued operation
    /// nor freeze a stake.
    function test_retireGuardian_thenItCannotCancelOrFreeze() public {
        _setPrice(community, 125_000 ether);
        _earnVotes(community, governor.quorumFloor());
        bytes32 cancellerRole = timelock.CANCELLER_ROLE();
        Proposal memory retire = _proposal(2, "Retire the launch guardian");
        retire.targets[0] = address(timelock);
        retire.calldatas[0] = abi.encodeCall(IAccessControl.revokeRole, (cancellerRole, guardian));
        retire.targets[1] = address(agents);
        retire.calldatas[1] = abi.encodeCall(IAgentRegistry.setGuardian, (address(0)));
        _proposeAndVote(community.account, retire);
        _queue(retire);
        vm.warp(block.timestamp + timelock.getMinDelay());
        _execute(retire);
        assertFalse(timelock.hasRole(cancellerRole, guardian));
        assertTrue(timelock.hasRole(cancellerRole, address(governor)));
        assertEq(agents.guardian(), address(0));

        Proposal memory p = _treasuryPayout(community.account);
        _proposeAndVote(community.account, p);
        bytes32 operationId = _queue(p);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, cancellerRole)
        );
        vm.prank(guardian);
        timelock.cancel(operationId);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentNotGuardian.selector, guardian));
        vm.prank(guardian);
        agents.freeze(1, 1 days);

        vm.warp(block.timestamp + timelock.getMinDelay());
        _execute(p);
        assertEq(open.balanceOf(address(timelock)), 0);
    }

    // ─── Vote cost (the market change) ────────────────────────────────────────

    /// @notice Every self-dealt vote costs at least one OPEN that left the self-dealer's accounts for good: after
    /// it claims back every credit (model, data and executor shares), it holds no more votes than it lost.
    function test_selfDealtVotes_costAtLeastOneOpenLostEach() public {
        // Finalize mints per request at most its protocol (treasury) share as votes, while the rest of the fee
        // returns to the payer's own accounts: each vote costs at least one OPEN that left for good.
        address[3] memory accounts = [selfDealer.account, selfDealer.signers[0], selfDealer.signers[1]];
        uint256 before;
        for (uint256 i; i < accounts.length; ++i) {
            before += open.balanceOf(accounts[i]);
        }
        for (uint256 i; i < 10; ++i) {
            _settleOwnRequest(selfDealer);
        }
        uint256 after_;
        for (uint256 i; i < accounts.length; ++i) {
            if (vault.balanceOf(accounts[i]) != 0) {
                vm.prank(accounts[i]);
                vault.claim(accounts[i]);
            }
            after_ += open.balanceOf(accounts[i]);
        }
        assertGt(votes.getVotes(selfDealer.account), 0);
        assertLe(votes.getVotes(selfDealer.account), before - after_);
    }
}
