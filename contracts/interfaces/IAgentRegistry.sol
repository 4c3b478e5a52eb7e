// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IAgentRegistry
/// @notice Agents are applications built on registered models. An agent stakes OPEN (at least `minStake`),
/// lists the models it calls and a metadata URI, can top up, and leaves by unbonding and withdrawing after
/// `unbondingDelay`. Governance may slash an agent's stake (also while unbonding), naming a reason and the
/// evidence; slashed OPEN goes to the treasury.
///
/// A slash by governance takes voting delay + voting period + timelock delay; an agent that sees it coming could
/// unbond and leave first. A guardian (set by the owner, retired by setting it to zero) can therefore freeze an
/// agent's stake for at most `MAX_FREEZE_DURATION` per call: `withdraw` is refused until the freeze ends, while
/// `slash` still works. The owner or the guardian can lift a freeze early.
interface IAgentRegistry {
    /// @notice Lifecycle of an agent.
    enum AgentStatus {
        None,
        Active,
        Unbonding,
        Withdrawn
    }

    /// @notice Why governance slashed an agent. The reference system slashes for "underperformance" without
    /// defining it; each reason is named here and the evidence URI in `AgentSlashed` documents the case.
    /// @dev Underperformance: the agent's measured availability or answer quality stayed below the service level
    /// it published in its metadata. Misrepresentation: its metadata misstates what it does or which models it
    /// uses. MaliciousBehaviour: it served harmful output or attacked users or the network. Fraud: it
    /// manipulated payments, attribution or governance. PolicyViolation: it broke a rule adopted by governance.
    enum SlashReason {
        Underperformance,
        Misrepresentation,
        MaliciousBehaviour,
        Fraud,
        PolicyViolation
    }

    /// @notice An agent as stored.
    /// @param owner The account that registered it and controls it.
    /// @param status Lifecycle status.
    /// @param unbondingEndsAt When unbonding, the time from which the stake can be withdrawn.
    /// @param stake OPEN staked.
    /// @param metadataURI Description of the agent (name, endpoint, service level).
    /// @param modelIds The models it uses, strictly ascending.
    struct Agent {
        address owner;
        AgentStatus status;
        uint64 unbondingEndsAt;
        uint256 stake;
        string metadataURI;
        uint256[] modelIds;
    }

    // ─── Errors ───────────────────────────────────────────────────────────────

    /// @notice `agentId` does not exist.
    error AgentUnknown(uint256 agentId);
    /// @notice `caller` is not the owner of agent `agentId`.
    error AgentNotOwner(uint256 agentId, address caller);
    /// @notice Agent `agentId` is `status`, which does not allow the call.
    error AgentInvalidStatus(uint256 agentId, AgentStatus status);
    /// @notice A stake of `stake` is below the minimum `minStake`.
    error AgentStakeBelowMinimum(uint256 stake, uint256 minStake);
    /// @notice A zero amount was given where a positive one is required.
    error AgentZeroAmount();
    /// @notice A zero address was given where an account is required.
    error AgentZeroAddress();
    /// @notice `count` models is zero or above `max`.
    error AgentInvalidModelCount(uint256 count, uint256 max);
    /// @notice Model ids must be strictly ascending (no repeats); `modelId` at `index` is not.
    error AgentModelsNotAscending(uint256 index, uint256 modelId);
    /// @notice Model `modelId` does not take requests.
    error AgentModelNotRequestable(uint256 modelId);
    /// @notice The unbonding delay of agent `agentId` ends at `unbondingEndsAt`.
    error AgentUnbondingNotElapsed(uint256 agentId, uint64 unbondingEndsAt);
    /// @notice A minimum stake outside (0, MAX_MIN_STAKE].
    error AgentMinStakeOutOfBounds(uint256 minStake);
    /// @notice An unbonding delay outside [MIN_UNBONDING_DELAY, MAX_UNBONDING_DELAY].
    error AgentUnbondingDelayOutOfBounds(uint64 unbondingDelay);
    /// @notice `caller` is not the guardian (nor, to unfreeze, the owner).
    error AgentNotGuardian(address caller);
    /// @notice A freeze of `duration` seconds is zero or longer than `max`.
    error AgentFreezeDurationOutOfBounds(uint64 duration, uint64 max);
    /// @notice Agent `agentId`'s stake is frozen until `frozenUntil`.
    error AgentStakeFrozen(uint256 agentId, uint64 frozenUntil);
    /// @notice Agent `agentId`'s stake is not frozen.
    error AgentNotFrozen(uint256 agentId);

    // ─── Events ───────────────────────────────────────────────────────────────

    /// @notice `owner` registered agent `agentId` with `stake` OPEN.
    event AgentRegistered(
        uint256 indexed agentId, address indexed owner, uint256 stake, uint256[] modelIds, string metadataURI
    );
    /// @notice Agent `agentId`'s stake grew by `amount` to `totalStake`.
    event AgentStakeIncreased(uint256 indexed agentId, uint256 amount, uint256 totalStake);
    /// @notice Agent `agentId` now lists `modelIds`.
    event AgentModelsUpdated(uint256 indexed agentId, uint256[] modelIds);
    /// @notice Agent `agentId`'s metadata moved to `metadataURI`.
    event AgentMetadataUpdated(uint256 indexed agentId, string metadataURI);
    /// @notice Agent `agentId` started unbonding; it can withdraw from `unbondingEndsAt`.
    event AgentUnbondingRequested(uint256 indexed agentId, uint64 unbondingEndsAt);
    /// @notice Agent `agentId`'s owner withdrew `amount` OPEN.
    event AgentWithdrawn(uint256 indexed agentId, address indexed owner, uint256 amount);
    /// @notice Governance slashed `amount` OPEN of agent `agentId` for `reason`; `evidenceURI` documents it.
    event AgentSlashed(uint256 indexed agentId, SlashReason indexed reason, uint256 amount, string evidenceURI);
    /// @notice The minimum agent stake changed.
    event MinStakeSet(uint256 minStake);
    /// @notice The unbonding delay changed.
    event UnbondingDelaySet(uint64 unbondingDelay);
    /// @notice Slashed stake now goes to `treasury`.
    event TreasurySet(address indexed treasury);
    /// @notice `guardian` may now freeze agent stakes; zero means nobody can.
    event GuardianSet(address indexed guardian);
    /// @notice The guardian froze agent `agentId`'s stake until `frozenUntil`.
    event AgentFrozen(uint256 indexed agentId, uint64 frozenUntil);
    /// @notice `by` (the owner or the guardian) lifted the freeze of agent `agentId`'s stake.
    event AgentUnfrozen(uint256 indexed agentId, address indexed by);

    // ─── Agent actions ────────────────────────────────────────────────────────

    /// @notice Registers an agent owned by the caller, pulling `stake` OPEN from it.
    /// @param modelIds Requestable models the agent uses, strictly ascending, at most `MAX_MODELS`.
    /// @param metadataURI Description of the agent.
    /// @param stake OPEN to stake, at least `minStake`.
    /// @return agentId The new agent's id (ids start at 1).
    function registerAgent(uint256[] calldata modelIds, string calldata metadataURI, uint256 stake)
        external
        returns (uint256 agentId);

    /// @notice Adds `amount` OPEN (pulled from the caller, who need not be the owner) to an active agent's stake.
    /// @param agentId The agent.
    /// @param amount OPEN to add.
    function topUp(uint256 agentId, uint256 amount) external;

    /// @notice Replaces the models an active agent lists; only its owner.
    /// @param agentId The agent.
    /// @param modelIds Requestable models, strictly ascending, at most `MAX_MODELS`.
    function updateModels(uint256 agentId, uint256[] calldata modelIds) external;

    /// @notice Replaces an active agent's metadata URI; only its owner.
    /// @param agentId The agent.
    /// @param metadataURI The new URI.
    function setMetadataURI(uint256 agentId, string calldata metadataURI) external;

    /// @notice Starts unbonding an active agent; only its owner.
    /// @param agentId The agent.
    /// @return unbondingEndsAt The time from which `withdraw` succeeds.
    function requestUnbond(uint256 agentId) external returns (uint64 unbondingEndsAt);

    /// @notice Withdraws an unbonded agent's remaining stake to its owner; only its owner, and not while the stake
    /// is frozen.
    /// @param agentId The agent.
    /// @return amount OPEN paid.
    function withdraw(uint256 agentId) external returns (uint256 amount);

    // ─── Guardian ─────────────────────────────────────────────────────────────

    /// @notice Freezes an active or unbonding agent's stake for `duration` seconds from now, replacing any earlier
    /// freeze, so that it cannot be withdrawn while governance decides a slash; only the guardian.
    /// @param agentId The agent.
    /// @param duration Seconds, in (0, MAX_FREEZE_DURATION].
    /// @return frozenUntil The time from which `withdraw` is allowed again.
    function freeze(uint256 agentId, uint64 duration) external returns (uint64 frozenUntil);

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Slashes up to `amount` OPEN of an active or unbonding agent, frozen or not, to the treasury; only
    /// the owner (the governance timelock).
    /// @param agentId The agent.
    /// @param amount OPEN to slash, capped at the stake.
    /// @param reason The named reason.
    /// @param evidenceURI Where the evidence is published.
    /// @return slashed OPEN removed from the stake.
    function slash(uint256 agentId, uint256 amount, SlashReason reason, string calldata evidenceURI)
        external
        returns (uint256 slashed);

    /// @notice Sets the account that may freeze agent stakes; only the owner. Zero retires the guardian.
    /// @param guardian The guardian, or zero for none.
    function setGuardian(address guardian) external;

    /// @notice Lifts the freeze of an agent's stake before it ends; only the owner or the guardian.
    /// @param agentId A frozen agent.
    function unfreeze(uint256 agentId) external;

    /// @notice Sets the minimum stake of new agents.
    /// @param minStake New minimum in OPEN wei.
    function setMinStake(uint256 minStake) external;

    /// @notice Sets the unbonding delay of future unbond requests.
    /// @param unbondingDelay Seconds.
    function setUnbondingDelay(uint64 unbondingDelay) external;

    /// @notice Sets the receiver of slashed stake.
    /// @param treasury The treasury.
    function setTreasury(address treasury) external;

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @notice An agent; reverts with `AgentUnknown` for an unknown id.
    /// @param agentId The agent.
    /// @return The agent.
    function getAgent(uint256 agentId) external view returns (Agent memory);

    /// @notice Whether an agent is active and staked at least the current minimum.
    /// @param agentId The agent.
    /// @return True for a staked, active agent.
    function isActive(uint256 agentId) external view returns (bool);

    /// @notice Number of agents registered (the highest agent id).
    /// @return The count.
    function agentCount() external view returns (uint256);

    /// @notice Sum of all agent stakes held.
    /// @return OPEN held.
    function totalStaked() external view returns (uint256);

    /// @notice Minimum stake of a new agent.
    /// @return OPEN wei.
    function minStake() external view returns (uint256);

    /// @notice Seconds between `requestUnbond` and `withdraw`.
    /// @return The delay.
    function unbondingDelay() external view returns (uint64);

    /// @notice Receiver of slashed stake.
    /// @return The treasury.
    function treasury() external view returns (address);

    /// @notice The account that may freeze agent stakes; zero when retired.
    /// @return The guardian.
    function guardian() external view returns (address);

    /// @notice Until when an agent's stake is frozen; a time in the past (or zero) means it is not.
    /// @param agentId The agent.
    /// @return The end of the freeze.
    function frozenUntil(uint256 agentId) external view returns (uint64);

    /// @notice The staked token.
    /// @return The OPEN token.
    function token() external view returns (address);

    /// @notice The model registry the listed models are checked against.
    /// @return The ModelRegistry.
    function modelRegistry() external view returns (address);
}
