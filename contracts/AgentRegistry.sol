// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IAgentRegistry} from "./interfaces/IAgentRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title AgentRegistry
/// @notice Staked registry of agents built on registered models. See {IAgentRegistry}.
contract AgentRegistry is IAgentRegistry, Ownable {
    using SafeERC20 for IERC20;

    /// @notice Most models one agent may list.
    uint256 public constant MAX_MODELS = 32;
    /// @notice Largest minimum stake governance may set (the OPEN supply cap).
    uint256 public constant MAX_MIN_STAKE = 1e9 ether;
    /// @notice Bounds of `unbondingDelay`.
    uint64 public constant MIN_UNBONDING_DELAY = 1 minutes;
    uint64 public constant MAX_UNBONDING_DELAY = 90 days;
    /// @notice Longest freeze one guardian call may impose; it covers a governance slash (voting delay, voting
    /// period and timelock delay) with time to spare, and the guardian may renew it.
    uint64 public constant MAX_FREEZE_DURATION = 30 days;

    /// @inheritdoc IAgentRegistry
    address public immutable token;
    /// @inheritdoc IAgentRegistry
    address public immutable modelRegistry;
    /// @inheritdoc IAgentRegistry
    address public treasury;
    /// @inheritdoc IAgentRegistry
    uint256 public minStake;
    /// @inheritdoc IAgentRegistry
    uint64 public unbondingDelay;
    /// @inheritdoc IAgentRegistry
    uint256 public agentCount;
    /// @inheritdoc IAgentRegistry
    uint256 public totalStaked;
    /// @inheritdoc IAgentRegistry
    address public guardian;

    mapping(uint256 agentId => Agent) internal _agents;
    // Beside `Agent`, not in it: the struct's first slot is full and `getAgent`'s tuple stays as it was.
    mapping(uint256 agentId => uint64) internal _frozenUntil;

    /// @param token_ The OPEN token.
    /// @param modelRegistry_ The ModelRegistry.
    /// @param owner_ Owner of the parameters (the governance timelock once deployed).
    /// @param treasury_ Receiver of slashed stake.
    /// @param minStake_ Minimum stake of a new agent.
    /// @param unbondingDelay_ Seconds between `requestUnbond` and `withdraw`.
    constructor(
        address token_,
        address modelRegistry_,
        address owner_,
        address treasury_,
        uint256 minStake_,
        uint64 unbondingDelay_
    ) Ownable(owner_) {
        if (token_ == address(0) || modelRegistry_ == address(0)) revert AgentZeroAddress();
        token = token_;
        modelRegistry = modelRegistry_;
        _setTreasury(treasury_);
        _setMinStake(minStake_);
        _setUnbondingDelay(unbondingDelay_);
    }

    // ─── Agent actions ────────────────────────────────────────────────────────

    /// @inheritdoc IAgentRegistry
    function registerAgent(uint256[] calldata modelIds, string calldata metadataURI, uint256 stake)
        external
        returns (uint256 agentId)
    {
        if (stake < minStake) revert AgentStakeBelowMinimum(stake, minStake);
        _checkModels(modelIds);
        agentId = ++agentCount;
        Agent storage agent = _agents[agentId];
        agent.owner = msg.sender;
        agent.status = AgentStatus.Active;
        agent.stake = stake;
        agent.metadataURI = metadataURI;
        agent.modelIds = modelIds;
        totalStaked += stake;
        emit AgentRegistered(agentId, msg.sender, stake, modelIds, metadataURI);
        IERC20(token).safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @inheritdoc IAgentRegistry
    function topUp(uint256 agentId, uint256 amount) external {
        if (amount == 0) revert AgentZeroAmount();
        Agent storage agent = _active(agentId);
        uint256 newStake = agent.stake + amount;
        agent.stake = newStake;
        totalStaked += amount;
        emit AgentStakeIncreased(agentId, amount, newStake);
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IAgentRegistry
    function updateModels(uint256 agentId, uint256[] calldata modelIds) external {
        Agent storage agent = _ownedActive(agentId);
        _checkModels(modelIds);
        agent.modelIds = modelIds;
        emit AgentModelsUpdated(agentId, modelIds);
    }

    /// @inheritdoc IAgentRegistry
    function setMetadataURI(uint256 agentId, string calldata metadataURI) external {
        Agent storage agent = _ownedActive(agentId);
        agent.metadataURI = metadataURI;
        emit AgentMetadataUpdated(agentId, metadataURI);
    }

    /// @inheritdoc IAgentRegistry
    function requestUnbond(uint256 agentId) external returns (uint64 unbondingEndsAt) {
        Agent storage agent = _ownedActive(agentId);
        unbondingEndsAt = uint64(block.timestamp) + unbondingDelay;
        agent.status = AgentStatus.Unbonding;
        agent.unbondingEndsAt = unbondingEndsAt;
        emit AgentUnbondingRequested(agentId, unbondingEndsAt);
    }

    /// @inheritdoc IAgentRegistry
    function withdraw(uint256 agentId) external returns (uint256 amount) {
        Agent storage agent = _owned(agentId);
        if (agent.status != AgentStatus.Unbonding) revert AgentInvalidStatus(agentId, agent.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < agent.unbondingEndsAt) revert AgentUnbondingNotElapsed(agentId, agent.unbondingEndsAt);
        uint64 frozenUntil_ = _frozenUntil[agentId];
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < frozenUntil_) revert AgentStakeFrozen(agentId, frozenUntil_);
        amount = agent.stake;
        agent.stake = 0;
        agent.status = AgentStatus.Withdrawn;
        totalStaked -= amount;
        emit AgentWithdrawn(agentId, msg.sender, amount);
        if (amount != 0) IERC20(token).safeTransfer(msg.sender, amount);
    }

    // ─── Guardian ─────────────────────────────────────────────────────────────

    /// @inheritdoc IAgentRegistry
    function freeze(uint256 agentId, uint64 duration) external returns (uint64 frozenUntil_) {
        if (msg.sender != guardian) revert AgentNotGuardian(msg.sender);
        if (duration == 0 || duration > MAX_FREEZE_DURATION) {
            revert AgentFreezeDurationOutOfBounds(duration, MAX_FREEZE_DURATION);
        }
        Agent storage agent = _agent(agentId);
        if (agent.status != AgentStatus.Active && agent.status != AgentStatus.Unbonding) {
            revert AgentInvalidStatus(agentId, agent.status);
        }
        frozenUntil_ = uint64(block.timestamp) + duration;
        _frozenUntil[agentId] = frozenUntil_;
        emit AgentFrozen(agentId, frozenUntil_);
    }

    /// @inheritdoc IAgentRegistry
    function unfreeze(uint256 agentId) external {
        if (msg.sender != owner() && msg.sender != guardian) revert AgentNotGuardian(msg.sender);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= _frozenUntil[agentId]) revert AgentNotFrozen(agentId);
        delete _frozenUntil[agentId];
        emit AgentUnfrozen(agentId, msg.sender);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc IAgentRegistry
    function slash(uint256 agentId, uint256 amount, SlashReason reason, string calldata evidenceURI)
        external
        onlyOwner
        returns (uint256 slashed)
    {
        if (amount == 0) revert AgentZeroAmount();
        Agent storage agent = _agent(agentId);
        if (agent.status != AgentStatus.Active && agent.status != AgentStatus.Unbonding) {
            revert AgentInvalidStatus(agentId, agent.status);
        }
        slashed = amount < agent.stake ? amount : agent.stake;
        agent.stake -= slashed;
        totalStaked -= slashed;
        emit AgentSlashed(agentId, reason, slashed, evidenceURI);
        if (slashed != 0) IERC20(token).safeTransfer(treasury, slashed);
    }

    /// @inheritdoc IAgentRegistry
    function setMinStake(uint256 minStake_) external onlyOwner {
        _setMinStake(minStake_);
    }

    /// @inheritdoc IAgentRegistry
    function setUnbondingDelay(uint64 unbondingDelay_) external onlyOwner {
        _setUnbondingDelay(unbondingDelay_);
    }

    /// @inheritdoc IAgentRegistry
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IAgentRegistry
    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @inheritdoc IAgentRegistry
    function getAgent(uint256 agentId) external view returns (Agent memory) {
        return _agent(agentId);
    }

    /// @inheritdoc IAgentRegistry
    function frozenUntil(uint256 agentId) external view returns (uint64) {
        return _frozenUntil[agentId];
    }

    /// @inheritdoc IAgentRegistry
    function isActive(uint256 agentId) external view returns (bool) {
        Agent storage agent = _agents[agentId];
        return agent.status == AgentStatus.Active && agent.stake >= minStake;
    }

    // ─── Internal ─────────────────────────────────────────────────────────────

    function _agent(uint256 agentId) internal view returns (Agent storage agent) {
        agent = _agents[agentId];
        if (agent.status == AgentStatus.None) revert AgentUnknown(agentId);
    }

    function _active(uint256 agentId) internal view returns (Agent storage agent) {
        agent = _agent(agentId);
        if (agent.status != AgentStatus.Active) revert AgentInvalidStatus(agentId, agent.status);
    }

    function _owned(uint256 agentId) internal view returns (Agent storage agent) {
        agent = _agent(agentId);
        if (agent.owner != msg.sender) revert AgentNotOwner(agentId, msg.sender);
    }

    function _ownedActive(uint256 agentId) internal view returns (Agent storage agent) {
        agent = _owned(agentId);
        if (agent.status != AgentStatus.Active) revert AgentInvalidStatus(agentId, agent.status);
    }

    function _checkModels(uint256[] calldata modelIds) internal view {
        if (modelIds.length == 0 || modelIds.length > MAX_MODELS) {
            revert AgentInvalidModelCount(modelIds.length, MAX_MODELS);
        }
        uint256 previous;
        for (uint256 i; i < modelIds.length; ++i) {
            uint256 modelId = modelIds[i];
            if (modelId <= previous) revert AgentModelsNotAscending(i, modelId);
            if (!IModelRegistry(modelRegistry).isRequestable(modelId)) revert AgentModelNotRequestable(modelId);
            previous = modelId;
        }
    }

    function _setMinStake(uint256 minStake_) internal {
        if (minStake_ == 0 || minStake_ > MAX_MIN_STAKE) revert AgentMinStakeOutOfBounds(minStake_);
        minStake = minStake_;
        emit MinStakeSet(minStake_);
    }

    function _setUnbondingDelay(uint64 unbondingDelay_) internal {
        if (unbondingDelay_ < MIN_UNBONDING_DELAY || unbondingDelay_ > MAX_UNBONDING_DELAY) {
            revert AgentUnbondingDelayOutOfBounds(unbondingDelay_);
        }
        unbondingDelay = unbondingDelay_;
        emit UnbondingDelaySet(unbondingDelay_);
    }

    function _setTreasury(address treasury_) internal {
        if (treasury_ == address(0)) revert AgentZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }
}
