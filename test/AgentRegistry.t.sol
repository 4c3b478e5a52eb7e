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
    uint256 internal secondModel;

    function setUp() public override {
        super.setUp();
        agents = new AgentRegistry(address(open), address(models), governance, treasury, AGENT_MIN_STAKE, AGENT_DELAY);
        secondModel = _registerModel(developer, datanetId, 1 ether);
        _fund(builder, 10_000 ether, address(agents));
        _fund(stranger, 10_000 ether, address(agents));
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
}
