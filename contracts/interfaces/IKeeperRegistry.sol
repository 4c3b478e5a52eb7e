// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IKeeperRegistry
/// @notice Keepers stake OPEN to join the signer set that attests attribution reports. A keeper is
/// active while it is not unbonding and its stake is at least `minStake`. Requesting an
/// unbond leaves the active set at once; the stake stays slashable until it is withdrawn, which is
/// possible only after `unbondingDelay`, a delay kept longer than the market's challenge window so that
/// every report a keeper signed can still be challenged while its stake is held.
///
/// A keeper slashed below the minimum, or left below a raised minimum, leaves the active set (`KeeperDeactivated`)
/// until it tops up.
///
/// A report counts when its signers hold at least `quorumStakeBps` of the active stake (`activeStake`) and
/// number at least `quorum`: Sybil keepers buy nothing by splitting stake, since weight is stake, not count.
/// The executor of each turn of each request is drawn in proportion to stake (`selectExecutor`), so signers cannot
/// name themselves to take the executor's share, nor earn more turns by splitting a stake. Slashing comes from three places: the market (an equivocation that voids an accepted
/// report), the report court (`court`: an equivocation proven at any time, or a dispute upheld), the usage ledger
/// (`ledger`: a dispute of an epoch report upheld) and governance.
/// A stake can be frozen (by the court or the ledger while a dispute is open, or by the guardian while governance
/// decides a slash): a frozen keeper cannot withdraw, so unbonding does not escape a pending slash.
interface IKeeperRegistry {
    // ─── Errors ───────────────────────────────────────────────────────────────

    /// @notice A zero amount was given where a positive one is required.
    error KeeperZeroAmount();
    /// @notice A zero address was given where an account or contract is required.
    error KeeperZeroAddress();
    /// @notice The keeper has requested an unbond; it can only withdraw now.
    error KeeperIsUnbonding(address keeper, uint64 unbondingEndsAt);
    /// @notice The account holds no stake.
    error KeeperNotStaked(address keeper);
    /// @notice The account has not requested an unbond.
    error KeeperNotUnbonding(address keeper);
    /// @notice The unbonding delay has not elapsed yet.
    error KeeperUnbondingNotElapsed(address keeper, uint64 unbondingEndsAt);
    /// @notice The first stake of a keeper must reach the minimum stake.
    error KeeperStakeBelowMinimum(uint256 stake, uint256 minStake);
    /// @notice A minimum stake outside (0, MAX_MIN_STAKE].
    error KeeperMinStakeOutOfBounds(uint256 minStake);
    /// @notice A quorum outside [1, MAX_QUORUM].
    error KeeperQuorumOutOfBounds(uint256 quorum);
    /// @notice An unbonding delay that is not longer than the challenge window, or above the maximum.
    error KeeperUnbondingDelayOutOfBounds(uint64 unbondingDelay, uint64 challengeWindow);
    /// @notice A basis-point value above 10,000 or, for the slash fraction, zero.
    error KeeperBpsOutOfBounds(uint256 bps);
    /// @notice Market `market` slashes through `keeperRegistry`, not this registry.
    error KeeperMarketNotWired(address market, address keeperRegistry);
    /// @notice The caller is neither the market nor the court.
    error KeeperCallerNotSlasher(address caller);
    /// @notice The caller may not freeze or unfreeze stake.
    error KeeperCallerNotFreezer(address caller);
    /// @notice The keeper's stake is frozen until `frozenUntil`: it cannot be withdrawn.
    error KeeperFrozen(address keeper, uint64 frozenUntil);
    /// @notice A freeze ending at `until` is in the past or longer than the caller may impose (`latest`).
    error KeeperFreezeOutOfBounds(uint64 until, uint64 latest);
    /// @notice A stake quorum outside [MIN_QUORUM_STAKE_BPS, 10,000].
    error KeeperQuorumStakeOutOfBounds(uint16 quorumStakeBps);

    // ─── Events ───────────────────────────────────────────────────────────────

    /// @notice A keeper staked or topped up; `totalStake` is its stake afterwards.
    event KeeperStaked(address indexed keeper, uint256 amount, uint256 totalStake);
    /// @notice A keeper left the active set and started unbonding.
    event KeeperUnbondingRequested(address indexed keeper, uint256 stake, uint64 unbondingEndsAt);
    /// @notice A keeper withdrew its remaining stake after the unbonding delay.
    event KeeperWithdrawn(address indexed keeper, uint256 amount);
    /// @notice A keeper's stake was slashed; `challengerReward` of `amount` went to `challenger`, the rest
    /// to the treasury.
    event KeeperSlashed(address indexed keeper, uint256 amount, address indexed challenger, uint256 challengerReward);
    /// @notice The market allowed to slash for equivocation was set.
    event MarketSet(address indexed market);
    /// @notice The minimum stake of an active keeper changed.
    event MinStakeSet(uint256 minStake);
    /// @notice The number of keeper signatures a report needs changed.
    event QuorumSet(uint256 quorum);
    /// @notice The unbonding delay changed.
    event UnbondingDelaySet(uint64 unbondingDelay);
    /// @notice The slash fractions (equivocation, upheld dispute) and the challenger's part of them changed.
    event SlashParametersSet(uint16 equivocationSlashBps, uint16 disputeSlashBps, uint16 challengerRewardBps);
    /// @notice The share of active stake a report's signers must hold changed.
    event QuorumStakeSet(uint16 quorumStakeBps);
    /// @notice The report court allowed to slash and freeze was set.
    event CourtSet(address indexed court);
    /// @notice The usage ledger allowed to slash upheld epoch disputes and freeze stake was set.
    event LedgerSet(address indexed ledger);
    /// @notice The guardian allowed to freeze stake was set (zero retires it).
    event GuardianSet(address indexed guardian);
    /// @notice `keeper`'s stake cannot be withdrawn before `frozenUntil` (set by `by`).
    event KeeperFrozenUntil(address indexed keeper, uint64 frozenUntil, address indexed by);
    /// @notice `keeper`'s freeze was lifted by `by`.
    event KeeperUnfrozen(address indexed keeper, address indexed by);
    /// @notice `keeper` fell below the minimum stake (slashed, or the minimum was raised) and left the active set
    /// with `stake`; it can top up to rejoin, or unbond.
    event KeeperDeactivated(address indexed keeper, uint256 stake);
    /// @notice `keeper` was already slashed for equivocation evidence `evidence`; nothing more was taken.
    event EquivocationAlreadySlashed(address indexed keeper, bytes32 indexed evidence);
    /// @notice The address receiving slashed stake changed.
    event TreasurySet(address indexed treasury);

    // ─── Keeper actions ─────────────────────────────────────────────────────

    /// @notice Stakes `amount` OPEN (pulled from the caller) to join the signer set or top up.
    /// @dev The first stake must be at least `minStake`. Reverts while the caller is unbonding.
    /// @param amount OPEN to add to the caller's stake.
    function stake(uint256 amount) external;

    /// @notice Leaves the active set and starts the unbonding delay for the caller's whole stake.
    /// @return unbondingEndsAt Timestamp from which `withdraw` succeeds.
    function requestUnbond() external returns (uint64 unbondingEndsAt);

    /// @notice Withdraws the caller's remaining stake after the unbonding delay.
    /// @return amount OPEN transferred to the caller.
    function withdraw() external returns (uint256 amount);

    // ─── Slashing ─────────────────────────────────────────────────────────────

    /// @notice Slashes `equivocationSlashBps` of a keeper's stake for a proven equivocation, once per evidence.
    /// @dev Only the market or the court. Works during unbonding. `challengerRewardBps` of the slashed amount goes
    /// to `challenger` (none when zero), the rest to the treasury. A second call with the same `evidence` for the
    /// same keeper slashes nothing (`EquivocationAlreadySlashed`), so the market's challenge and the court's proof
    /// of one equivocation cannot both take stake.
    /// @param keeper The equivocating keeper.
    /// @param challenger The account that proved the equivocation, or zero for no reward.
    /// @param evidence What was equivocated on: `keccak256(abi.encode(market, requestId, round))`, so that a
    /// replaced market's request ids are other offences.
    /// @return slashed OPEN removed from the keeper's stake.
    function slashEquivocation(address keeper, address challenger, bytes32 evidence) external returns (uint256 slashed);

    /// @notice Slashes `disputeSlashBps` of a keeper's stake for signing a report whose dispute was upheld.
    /// @dev Only the court or the ledger. Works during unbonding and while frozen. `challengerRewardBps` of it goes to
    /// `disputer` (none when zero), the rest to the treasury.
    /// @param keeper A signer of the disputed report.
    /// @param disputer The account that disputed it, or zero for no reward.
    /// @return slashed OPEN removed from the keeper's stake.
    function slashDisputed(address keeper, address disputer) external returns (uint256 slashed);

    /// @notice Holds `keeper`'s stake until `until`: `withdraw` reverts with `KeeperFrozen` before then.
    /// @dev The court and the ledger may freeze for any time (it bounds its own disputes); the guardian for at most
    /// `MAX_GUARDIAN_FREEZE` from now, renewable, so that governance has time to decide a slash. A freeze never
    /// shortens an existing one.
    /// @param keeper The keeper.
    /// @param until Timestamp the freeze lasts to.
    function freeze(address keeper, uint64 until) external;

    /// @notice Lifts `keeper`'s freeze. Only the owner (governance) or the guardian.
    /// @param keeper The keeper.
    function unfreeze(address keeper) external;

    /// @notice Governance slash of up to `amount` OPEN from a keeper's stake, sent to the treasury.
    /// @dev Only the owner (the timelock). Works during unbonding.
    /// @param keeper The keeper to slash.
    /// @param amount OPEN to slash; capped at the keeper's stake.
    /// @return slashed OPEN removed from the keeper's stake.
    function slash(address keeper, uint256 amount) external returns (uint256 slashed);

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets the market allowed to slash for equivocation.
    /// @dev The market must be wired to this registry (`KeeperMarketNotWired`), and its challenge window must be
    /// shorter than the unbonding delay.
    /// @param market The InferenceMarket.
    function setMarket(address market) external;

    /// @notice Sets the minimum stake of an active keeper.
    /// @param minStake New minimum, in OPEN wei.
    function setMinStake(uint256 minStake) external;

    /// @notice Sets the number of keeper signatures a report needs.
    /// @param quorum New quorum, at least 1.
    function setQuorum(uint256 quorum) external;

    /// @notice Sets the unbonding delay; it must exceed the market's challenge window.
    /// @param unbondingDelay New delay in seconds.
    function setUnbondingDelay(uint64 unbondingDelay) external;

    /// @notice Sets the slash fractions and the challenger's part of them.
    /// @param equivocationSlashBps Fraction of the stake slashed per equivocation (1..10,000).
    /// @param disputeSlashBps Fraction of the stake slashed per upheld dispute (1..10,000).
    /// @param challengerRewardBps Fraction of the slashed amount paid to the challenger (0..10,000).
    function setSlashParameters(uint16 equivocationSlashBps, uint16 disputeSlashBps, uint16 challengerRewardBps)
        external;

    /// @notice Sets the share of active stake a report's signers must hold.
    /// @param quorumStakeBps At least `MIN_QUORUM_STAKE_BPS` (a majority), at most 10,000.
    function setQuorumStakeBps(uint16 quorumStakeBps) external;

    /// @notice Sets the report court allowed to slash (equivocation, upheld disputes) and freeze stake.
    /// @param court The court.
    function setCourt(address court) external;

    /// @notice Sets the usage ledger allowed to slash the signers of an upheld epoch dispute and freeze stake.
    /// @param ledger The ledger (zero for none).
    function setLedger(address ledger) external;

    /// @notice Sets the guardian allowed to freeze stake for a bounded time; zero retires it.
    /// @param guardian The guardian.
    function setGuardian(address guardian) external;

    /// @notice Sets the address that receives slashed stake.
    /// @param treasury New treasury.
    function setTreasury(address treasury) external;

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @notice Sum of the stakes of active keepers; the base of the stake quorum.
    /// @return The active stake.
    function activeStake() external view returns (uint256);

    /// @notice Signer stake a report needs: `ceil(activeStake * quorumStakeBps / 10,000)`.
    /// @return The stake.
    function quorumStake() external view returns (uint256);

    /// @notice The active keeper at point `seed mod activeStake` of the active stakes laid end to end in the order
    /// of `activeKeepers`, or zero when none is active: each keeper is drawn in proportion to its stake, so
    /// splitting one stake over many accounts earns no more turns. The market draws each turn of each request
    /// with `seed = keccak256(abi.encode(requestId, round, turn))`. Costs two storage reads per active keeper.
    /// @param seed The draw.
    /// @return The executor drawn.
    function selectExecutor(bytes32 seed) external view returns (address);

    /// @notice Timestamp until which `keeper`'s stake cannot be withdrawn (zero or past: not frozen).
    /// @param keeper The keeper.
    /// @return The freeze end.
    function frozenUntil(address keeper) external view returns (uint64);

    /// @notice `keeper`'s stake when it is active, else zero: what its signature adds to a report's stake.
    /// @param keeper The account.
    /// @return The stake counted.
    function activeStakeOf(address keeper) external view returns (uint256);

    /// @notice Whether `keeper` counts toward a report's quorum.
    /// @param keeper The account.
    /// @return True when bonded, not unbonding and staked at least `minStake`.
    function isActive(address keeper) external view returns (bool);

    /// @notice Number of active keepers.
    /// @return count Active keepers.
    function activeKeeperCount() external view returns (uint256 count);

    /// @notice The active keepers.
    /// @return keepers Active keepers in the order `selectExecutor` lays their stakes out (it changes as keepers
    /// join and leave).
    function activeKeepers() external view returns (address[] memory keepers);

    /// @notice A keeper's stake and unbonding state.
    /// @param keeper The account.
    /// @return stake OPEN held for the keeper.
    /// @return unbondingEndsAt Zero when bonded, else the time from which it may withdraw.
    function keeperInfo(address keeper) external view returns (uint256 stake, uint64 unbondingEndsAt);

    /// @notice A keeper's stake.
    /// @param keeper The account.
    /// @return OPEN held for the keeper.
    function stakeOf(address keeper) external view returns (uint256);

    /// @notice Sum of all stakes held.
    /// @return OPEN held for all keepers.
    function totalStaked() external view returns (uint256);

    /// @notice The staked token.
    /// @return The OPEN token.
    function token() external view returns (address);

    /// @notice The market allowed to slash for equivocation.
    /// @return The InferenceMarket, or zero before it is set.
    function market() external view returns (address);

    /// @notice Address receiving slashed stake.
    /// @return The treasury.
    function treasury() external view returns (address);

    /// @notice Minimum stake of an active keeper.
    /// @return OPEN wei.
    function minStake() external view returns (uint256);

    /// @notice Fewest signatures of active keepers a report needs (besides the stake quorum).
    /// @return The quorum.
    function quorum() external view returns (uint256);

    /// @notice Seconds between `requestUnbond` and `withdraw`.
    /// @return The unbonding delay.
    function unbondingDelay() external view returns (uint64);

    /// @notice Fraction of a keeper's stake slashed per proven equivocation, in basis points.
    /// @return The slash fraction.
    function equivocationSlashBps() external view returns (uint16);

    /// @notice Fraction of an equivocation slash paid to the challenger, in basis points.
    /// @return The challenger's part.
    function challengerRewardBps() external view returns (uint16);

    /// @notice Fraction of a signer's stake slashed when a dispute of its report is upheld.
    /// @return The fraction in basis points.
    function disputeSlashBps() external view returns (uint16);

    /// @notice Share of active stake a report's signers must hold, in basis points.
    /// @return The share.
    function quorumStakeBps() external view returns (uint16);

    /// @notice The report court (zero while none).
    /// @return The court.
    function court() external view returns (address);

    /// @notice The guardian allowed to freeze stake (zero while none).
    /// @return The guardian.
    function guardian() external view returns (address);

    /// @notice The usage ledger (zero while none).
    /// @return The ledger.
    function ledger() external view returns (address);
}
