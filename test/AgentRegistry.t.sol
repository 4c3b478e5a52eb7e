// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {AgentRegistry} from "../contracts/AgentRegistry.sol";
import {IAgentRegistry} from "../contracts/interfaces/IAgentRegistry.sol";
import {ProtocolFixture} from "./utils/ProtocolFixture.sol";

contract AgentRegistryTest is ProtocolFixture {
    uint256 internal constant AGENT_MIN_STAKE = 100 ether;
    uint64 internal constant AGENT_DELAY = 3 days;

    AgentRegistry internal agents;
    address internal builder = makeAddr("builder");
    address internal stranger = makeAddr("stranger");
    address internal guardian = makeAddr("guardian");
    uint256 internal secondModel;

    function setUp() public override {
        super.setUp();
        agents = new AgentRegistry(address(open), address(models), governance, treasury, AGENT_MIN_STAKE, AGENT_DELAY);
        secondModel = _registerModel(developer, datanetId, 1 ether);
        _fund(builder, 10_000 ether, address(agents));
        _fund(stranger, 10_000 ether, address(agents));
        vm.prank(governance);
        agents.setGuardian(guardian);
    }

    function _ids(uint256 a) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = a;
    }

    function _ids(uint256 a, uint256 b) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](2);
        (ids[0], ids[1]) = (a, b);
    }

    function _register() internal returns (uint256 agentId) {
        vm.prank(builder);
        agentId = agents.registerAgent(_ids(modelId), "blob://agent", AGENT_MIN_STAKE);
    }

    function test_constructor_setsParameters() public view {
        assertEq(agents.token(), address(open));
        assertEq(agents.modelRegistry(), address(models));
        assertEq(agents.owner(), governance);
        assertEq(agents.treasury(), treasury);
        assertEq(agents.minStake(), AGENT_MIN_STAKE);
        assertEq(agents.unbondingDelay(), AGENT_DELAY);
    }

    function test_registerAgent_storesAndPulls() public {
        uint256[] memory ids = _ids(modelId, secondModel);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentRegistered(1, builder, 150 ether, ids, "blob://agent");
        vm.prank(builder);
        uint256 agentId = agents.registerAgent(ids, "blob://agent", 150 ether);
        assertEq(agentId, 1);
        IAgentRegistry.Agent memory agent = agents.getAgent(agentId);
        assertEq(agent.owner, builder);
        assertEq(uint8(agent.status), uint8(IAgentRegistry.AgentStatus.Active));
        assertEq(agent.stake, 150 ether);
        assertEq(agent.modelIds, ids);
        assertEq(agent.metadataURI, "blob://agent");
        assertTrue(agents.isActive(agentId));
        assertEq(agents.totalStaked(), 150 ether);
        assertEq(open.balanceOf(address(agents)), 150 ether);
    }

    function test_RevertWhen_registerBelowMinimum() public {
        vm.prank(builder);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentStakeBelowMinimum.selector, AGENT_MIN_STAKE - 1, AGENT_MIN_STAKE)
        );
        agents.registerAgent(_ids(modelId), "", AGENT_MIN_STAKE - 1);
    }

    function test_RevertWhen_registerWithoutModels() public {
        vm.prank(builder);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentInvalidModelCount.selector, 0, 32));
        agents.registerAgent(new uint256[](0), "", AGENT_MIN_STAKE);
    }

    function test_RevertWhen_registerModelsUnsorted() public {
        vm.prank(builder);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentModelsNotAscending.selector, 1, modelId));
        agents.registerAgent(_ids(secondModel, modelId), "", AGENT_MIN_STAKE);
    }

    function test_RevertWhen_registerPausedModel() public {
        vm.prank(developer);
        models.pause(modelId);
        vm.prank(builder);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentModelNotRequestable.selector, modelId));
        agents.registerAgent(_ids(modelId), "", AGENT_MIN_STAKE);
    }

    function test_topUp_byAnyone() public {
        uint256 agentId = _register();
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentStakeIncreased(agentId, 5 ether, AGENT_MIN_STAKE + 5 ether);
        vm.prank(stranger);
        agents.topUp(agentId, 5 ether);
        assertEq(agents.getAgent(agentId).stake, AGENT_MIN_STAKE + 5 ether);
    }

    function test_RevertWhen_topUpZeroOrUnknown() public {
        uint256 agentId = _register();
        vm.expectRevert(IAgentRegistry.AgentZeroAmount.selector);
        agents.topUp(agentId, 0);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentUnknown.selector, 9));
        agents.topUp(9, 1);
    }

    function test_updateModelsAndMetadata() public {
        uint256 agentId = _register();
        vm.startPrank(builder);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentModelsUpdated(agentId, _ids(secondModel));
        agents.updateModels(agentId, _ids(secondModel));
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentMetadataUpdated(agentId, "blob://v2");
        agents.setMetadataURI(agentId, "blob://v2");
        vm.stopPrank();
        assertEq(agents.getAgent(agentId).modelIds, _ids(secondModel));
        assertEq(agents.getAgent(agentId).metadataURI, "blob://v2");
    }

    function test_RevertWhen_updateByStranger() public {
        uint256 agentId = _register();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentNotOwner.selector, agentId, stranger));
        agents.updateModels(agentId, _ids(secondModel));
    }

    function test_unbondAndWithdraw() public {
        uint256 agentId = _register();
        uint64 endsAt = uint64(block.timestamp) + AGENT_DELAY;
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentUnbondingRequested(agentId, endsAt);
        vm.prank(builder);
        assertEq(agents.requestUnbond(agentId), endsAt);
        assertFalse(agents.isActive(agentId));
        vm.warp(endsAt - 1);
        vm.prank(builder);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentUnbondingNotElapsed.selector, agentId, endsAt));
        agents.withdraw(agentId);
        vm.warp(endsAt);
        uint256 before = open.balanceOf(builder);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentWithdrawn(agentId, builder, AGENT_MIN_STAKE);
        vm.prank(builder);
        assertEq(agents.withdraw(agentId), AGENT_MIN_STAKE);
        assertEq(open.balanceOf(builder), before + AGENT_MIN_STAKE);
        assertEq(agents.totalStaked(), 0);
        vm.prank(builder);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentRegistry.AgentInvalidStatus.selector, agentId, IAgentRegistry.AgentStatus.Withdrawn
            )
        );
        agents.withdraw(agentId);
    }

    function test_RevertWhen_withdrawWhileActive() public {
        uint256 agentId = _register();
        vm.prank(builder);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentRegistry.AgentInvalidStatus.selector, agentId, IAgentRegistry.AgentStatus.Active
            )
        );
        agents.withdraw(agentId);
    }

    function test_RevertWhen_topUpWhileUnbonding() public {
        uint256 agentId = _register();
        vm.prank(builder);
        agents.requestUnbond(agentId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentRegistry.AgentInvalidStatus.selector, agentId, IAgentRegistry.AgentStatus.Unbonding
            )
        );
        agents.topUp(agentId, 1);
    }

    function test_slash_withReasonAndEvidence_evenWhileUnbonding() public {
        uint256 agentId = _register();
        vm.prank(builder);
        agents.requestUnbond(agentId);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentSlashed(agentId, IAgentRegistry.SlashReason.Underperformance, 40 ether, "blob://ev");
        vm.prank(governance);
        assertEq(agents.slash(agentId, 40 ether, IAgentRegistry.SlashReason.Underperformance, "blob://ev"), 40 ether);
        assertEq(open.balanceOf(treasury), 40 ether);
        assertEq(agents.getAgent(agentId).stake, AGENT_MIN_STAKE - 40 ether);
        vm.prank(governance);
        assertEq(
            agents.slash(agentId, type(uint256).max, IAgentRegistry.SlashReason.Fraud, "blob://ev2"),
            AGENT_MIN_STAKE - 40 ether
        );
        assertEq(agents.totalStaked(), 0);
    }

    function test_RevertWhen_slashByStrangerOrWithdrawn() public {
        uint256 agentId = _register();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        agents.slash(agentId, 1, IAgentRegistry.SlashReason.Fraud, "");
        vm.prank(governance);
        vm.expectRevert(IAgentRegistry.AgentZeroAmount.selector);
        agents.slash(agentId, 0, IAgentRegistry.SlashReason.Fraud, "");
        vm.prank(builder);
        uint64 endsAt = agents.requestUnbond(agentId);
        vm.warp(endsAt);
        vm.prank(builder);
        agents.withdraw(agentId);
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentRegistry.AgentInvalidStatus.selector, agentId, IAgentRegistry.AgentStatus.Withdrawn
            )
        );
        agents.slash(agentId, 1, IAgentRegistry.SlashReason.Fraud, "");
    }

    function test_isActive_followsMinStake() public {
        uint256 agentId = _register();
        vm.prank(governance);
        agents.setMinStake(AGENT_MIN_STAKE + 1);
        assertFalse(agents.isActive(agentId));
        open.approve(address(agents), 1);
        agents.topUp(agentId, 1);
        assertTrue(agents.isActive(agentId));
    }

    function test_setters_updateAndEmit() public {
        vm.startPrank(governance);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.MinStakeSet(1 ether);
        agents.setMinStake(1 ether);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.UnbondingDelaySet(1 days);
        agents.setUnbondingDelay(1 days);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.TreasurySet(address(0xbeef));
        agents.setTreasury(address(0xbeef));
        vm.stopPrank();
    }

    function test_RevertWhen_settersOutOfBounds() public {
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentMinStakeOutOfBounds.selector, 0));
        agents.setMinStake(0);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentUnbondingDelayOutOfBounds.selector, 59));
        agents.setUnbondingDelay(59);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentUnbondingDelayOutOfBounds.selector, 91 days));
        agents.setUnbondingDelay(91 days);
        vm.expectRevert(IAgentRegistry.AgentZeroAddress.selector);
        agents.setTreasury(address(0));
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        agents.setMinStake(1);
    }

    function test_RevertWhen_getUnknownAgent() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentUnknown.selector, 1));
        agents.getAgent(1);
    }

    // ─── Guardian freeze ──────────────────────────────────────────────────────

    function _unbonding() internal returns (uint256 agentId, uint64 endsAt) {
        agentId = _register();
        vm.prank(builder);
        endsAt = agents.requestUnbond(agentId);
    }

    function test_constructor_noGuardian() public {
        AgentRegistry fresh = new AgentRegistry(address(open), address(models), governance, treasury, 1, 1 days);
        assertEq(fresh.guardian(), address(0));
    }

    function test_setGuardian_byOwner_zeroRetires() public {
        vm.expectEmit(address(agents));
        emit IAgentRegistry.GuardianSet(stranger);
        vm.prank(governance);
        agents.setGuardian(stranger);
        assertEq(agents.guardian(), stranger);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.GuardianSet(address(0));
        vm.prank(governance);
        agents.setGuardian(address(0));
        assertEq(agents.guardian(), address(0));
    }

    function test_RevertWhen_setGuardianByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        agents.setGuardian(stranger);
    }

    function test_freeze_blocksWithdrawUntilItEnds() public {
        (uint256 agentId, uint64 endsAt) = _unbonding();
        uint64 frozenUntil = uint64(block.timestamp) + 30 days;
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentFrozen(agentId, frozenUntil);
        vm.prank(guardian);
        assertEq(agents.freeze(agentId, 30 days), frozenUntil);
        assertEq(agents.frozenUntil(agentId), frozenUntil);

        vm.warp(endsAt);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentStakeFrozen.selector, agentId, frozenUntil));
        vm.prank(builder);
        agents.withdraw(agentId);

        vm.warp(frozenUntil);
        vm.prank(builder);
        assertEq(agents.withdraw(agentId), AGENT_MIN_STAKE);
    }

    function test_freeze_activeAgentHoldsStakeAfterLaterUnbond() public {
        uint256 agentId = _register();
        vm.prank(guardian);
        uint64 frozenUntil = agents.freeze(agentId, 10 days);
        vm.prank(builder);
        uint64 endsAt = agents.requestUnbond(agentId);
        vm.warp(endsAt);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentStakeFrozen.selector, agentId, frozenUntil));
        vm.prank(builder);
        agents.withdraw(agentId);
    }

    function test_freeze_renewReplacesEarlierFreeze() public {
        (uint256 agentId,) = _unbonding();
        vm.prank(guardian);
        agents.freeze(agentId, 30 days);
        vm.warp(block.timestamp + 29 days);
        vm.prank(guardian);
        assertEq(agents.freeze(agentId, 30 days), uint64(block.timestamp) + 30 days);
    }

    function test_slash_worksOnFrozenStake() public {
        (uint256 agentId,) = _unbonding();
        vm.prank(guardian);
        agents.freeze(agentId, 30 days);
        vm.prank(governance);
        assertEq(
            agents.slash(agentId, type(uint256).max, IAgentRegistry.SlashReason.Fraud, "blob://ev"), AGENT_MIN_STAKE
        );
        assertEq(open.balanceOf(treasury), AGENT_MIN_STAKE);
    }

    function test_unfreeze_byOwnerOrGuardian() public {
        (uint256 agentId, uint64 endsAt) = _unbonding();
        vm.prank(guardian);
        agents.freeze(agentId, 30 days);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentUnfrozen(agentId, governance);
        vm.prank(governance);
        agents.unfreeze(agentId);
        assertEq(agents.frozenUntil(agentId), 0);

        vm.prank(guardian);
        agents.freeze(agentId, 30 days);
        vm.expectEmit(address(agents));
        emit IAgentRegistry.AgentUnfrozen(agentId, guardian);
        vm.prank(guardian);
        agents.unfreeze(agentId);

        vm.warp(endsAt);
        vm.prank(builder);
        assertEq(agents.withdraw(agentId), AGENT_MIN_STAKE);
    }

    function test_RevertWhen_freezeByStrangerOrRetiredGuardian() public {
        uint256 agentId = _register();
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentNotGuardian.selector, stranger));
        vm.prank(stranger);
        agents.freeze(agentId, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentNotGuardian.selector, governance));
        vm.prank(governance);
        agents.freeze(agentId, 1 days);

        vm.prank(governance);
        agents.setGuardian(address(0));
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentNotGuardian.selector, guardian));
        vm.prank(guardian);
        agents.freeze(agentId, 1 days);
    }

    function test_RevertWhen_freezeDurationOutOfBounds() public {
        uint256 agentId = _register();
        uint64 max = agents.MAX_FREEZE_DURATION();
        vm.startPrank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentFreezeDurationOutOfBounds.selector, 0, max));
        agents.freeze(agentId, 0);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentFreezeDurationOutOfBounds.selector, max + 1, max));
        agents.freeze(agentId, max + 1);
        vm.stopPrank();
    }

    function test_RevertWhen_freezeUnknownOrWithdrawn() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentUnknown.selector, 1));
        vm.prank(guardian);
        agents.freeze(1, 1 days);

        (uint256 agentId, uint64 endsAt) = _unbonding();
        vm.warp(endsAt);
        vm.prank(builder);
        agents.withdraw(agentId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentRegistry.AgentInvalidStatus.selector, agentId, IAgentRegistry.AgentStatus.Withdrawn
            )
        );
        vm.prank(guardian);
        agents.freeze(agentId, 1 days);
    }

    function test_RevertWhen_unfreezeByStrangerOrNotFrozen() public {
        (uint256 agentId,) = _unbonding();
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentNotFrozen.selector, agentId));
        vm.prank(guardian);
        agents.unfreeze(agentId);

        vm.prank(guardian);
        uint64 frozenUntil = agents.freeze(agentId, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentNotGuardian.selector, builder));
        vm.prank(builder);
        agents.unfreeze(agentId);

        vm.warp(frozenUntil);
        vm.expectRevert(abi.encodeWithSelector(IAgentRegistry.AgentNotFrozen.selector, agentId));
        vm.prank(governance);
        agents.unfreeze(agentId);
    }

    /// @dev Attack: an agent sees a slash proposal and unbonds at once; governance needs longer than its unbonding
    /// delay to decide. The guardian freezes the stake and the slash lands on it.
    function test_slashAfterFreeze_agentThatUnbondsOnProposalCannotEscape() public {
        uint256 agentId = _register();
        uint256 governanceDelay = 1 days + 1 weeks + 1 weeks;
        assertLt(AGENT_DELAY, governanceDelay);
        // The proposal is published; the agent starts unbonding in the same block.
        uint256 proposedAt = block.timestamp;
        vm.prank(builder);
        uint64 endsAt = agents.requestUnbond(agentId);
        vm.prank(guardian);
        agents.freeze(agentId, 30 days);

        vm.warp(endsAt);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentStakeFrozen.selector, agentId, agents.frozenUntil(agentId))
        );
        vm.prank(builder);
        agents.withdraw(agentId);

        vm.warp(proposedAt + governanceDelay);
        vm.prank(governance);
        agents.slash(agentId, type(uint256).max, IAgentRegistry.SlashReason.Fraud, "blob://proposal");
        assertEq(agents.getAgent(agentId).stake, 0);
        assertEq(open.balanceOf(treasury), AGENT_MIN_STAKE);
    }
}
