// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IInferenceMarket} from "./interfaces/IInferenceMarket.sol";
import {IKeeperRegistry} from "./interfaces/IKeeperRegistry.sol";

/// @title KeeperRegistry
/// @notice Staked signer set of the attribution reports. See {IKeeperRegistry}.
contract KeeperRegistry is IKeeperRegistry, Ownable {
    using SafeERC20 for IERC20;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Largest quorum governance may set.
    uint256 public constant MAX_QUORUM = 32;
    /// @notice Largest minimum stake governance may set (the OPEN supply cap).
    uint256 public constant MAX_MIN_STAKE = 1e9 ether;
    /// @notice Longest unbonding delay governance may set.
    uint64 public constant MAX_UNBONDING_DELAY = 90 days;
    /// @notice Smallest stake quorum governance may set: a strict majority of bonded stake.
    uint16 public constant MIN_QUORUM_STAKE_BPS = 5001;
    /// @notice Longest freeze the guardian may impose per call.
    uint64 public constant MAX_GUARDIAN_FREEZE = 30 days;
    uint16 internal constant BPS = 10_000;

    struct Keeper {
        uint192 stake;
        uint64 unbondingEndsAt;
    }

    /// @inheritdoc IKeeperRegistry
    address public immutable token;
    /// @inheritdoc IKeeperRegistry
    address public market;
    /// @inheritdoc IKeeperRegistry
    address public treasury;
    /// @inheritdoc IKeeperRegistry
    uint256 public minStake;
    /// @inheritdoc IKeeperRegistry
    uint256 public quorum;
    /// @inheritdoc IKeeperRegistry
    uint64 public unbondingDelay;
    /// @inheritdoc IKeeperRegistry
    uint16 public equivocationSlashBps;
    /// @inheritdoc IKeeperRegistry
    uint16 public challengerRewardBps;
    /// @inheritdoc IKeeperRegistry
    uint256 public totalStaked;
    /// @inheritdoc IKeeperRegistry
    uint256 public activeStake;
    /// @inheritdoc IKeeperRegistry
    uint16 public disputeSlashBps;
    /// @inheritdoc IKeeperRegistry
    uint16 public quorumStakeBps;
    /// @inheritdoc IKeeperRegistry
    address public court;
    /// @inheritdoc IKeeperRegistry
    address public guardian;
    /// @inheritdoc IKeeperRegistry
    mapping(address keeper => uint64) public frozenUntil;
    /// @inheritdoc IKeeperRegistry
    address public ledger;
    /// @dev Equivocation evidence a keeper was already slashed for (request and round).
    mapping(address keeper => mapping(bytes32 evidence => bool)) internal _slashedFor;

    mapping(address keeper => Keeper) internal _keepers;
    /// @dev Active keepers: staked at least `minStake` and not unbonding. Its order is the schedule's order.
    EnumerableSet.AddressSet internal _active;

    modifier onlySlasher() {
        if (msg.sender != market && (msg.sender != court || court == address(0))) {
            revert KeeperCallerNotSlasher(msg.sender);
        }
        _;
    }

    /// @param token_ The OPEN token.
    /// @param owner_ Owner of the parameters (the governance timelock once deployed).
    /// @param treasury_ Receiver of slashed stake.
    /// @param minStake_ Minimum stake of an active keeper.
    /// @param quorum_ Signatures a report needs.
    /// @param unbondingDelay_ Seconds between `requestUnbond` and `withdraw`.
    constructor(
        address token_,
        address owner_,
        address treasury_,
        uint256 minStake_,
        uint256 quorum_,
        uint64 unbondingDelay_
    ) Ownable(owner_) {
        if (token_ == address(0)) revert KeeperZeroAddress();
        token = token_;
        _setTreasury(treasury_);
        _setMinStake(minStake_);
        _setQuorum(quorum_);
        _setUnbondingDelay(unbondingDelay_);
        _setSlashParameters(5000, 10_000, 5000);
        _setQuorumStakeBps(6666);
    }

    // ─── Keeper actions ─────────────────────────────────────────────────────

    /// @inheritdoc IKeeperRegistry
    function stake(uint256 amount) external {
        if (amount == 0) revert KeeperZeroAmount();
        Keeper storage keeper = _keepers[msg.sender];
        if (keeper.unbondingEndsAt != 0) revert KeeperIsUnbonding(msg.sender, keeper.unbondingEndsAt);
        uint256 newStake = keeper.stake + amount;
        // Whoever is not yet active (a first stake, or one slashed below the minimum) must reach it.
        if (newStake < minStake) revert KeeperStakeBelowMinimum(newStake, minStake);
        keeper.stake = SafeCast.toUint192(newStake);
        totalStaked += amount;
        activeStake += _active.add(msg.sender) ? newStake : amount;
        emit KeeperStaked(msg.sender, amount, newStake);
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IKeeperRegistry
    function requestUnbond() external returns (uint64 unbondingEndsAt) {
        Keeper storage keeper = _keepers[msg.sender];
        if (keeper.unbondingEndsAt != 0) revert KeeperIsUnbonding(msg.sender, keeper.unbondingEndsAt);
        if (keeper.stake == 0) revert KeeperNotStaked(msg.sender);
        unbondingEndsAt = uint64(block.timestamp) + unbondingDelay;
        keeper.unbondingEndsAt = unbondingEndsAt;
        if (_active.remove(msg.sender)) activeStake -= keeper.stake;
        emit KeeperUnbondingRequested(msg.sender, keeper.stake, unbondingEndsAt);
    }

    /// @inheritdoc IKeeperRegistry
    function withdraw() external returns (uint256 amount) {
        Keeper memory keeper = _keepers[msg.sender];
        if (keeper.unbondingEndsAt == 0) revert KeeperNotUnbonding(msg.sender);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < keeper.unbondingEndsAt) {
            revert KeeperUnbondingNotElapsed(msg.sender, keeper.unbondingEndsAt);
        }
        uint64 frozen = frozenUntil[msg.sender];
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < frozen) revert KeeperFrozen(msg.sender, frozen);
        amount = keeper.stake;
        delete _keepers[msg.sender];
        totalStaked -= amount;
        emit KeeperWithdrawn(msg.sender, amount);
        if (amount != 0) IERC20(token).safeTransfer(msg.sender, amount);
    }

    // ─── Slashing ─────────────────────────────────────────────────────────────

    /// @inheritdoc IKeeperRegistry
    function slashEquivocation(address keeper, address challenger, bytes32 evidence)
        external
        onlySlasher
        returns (uint256 slashed)
    {
        if (_slashedFor[keeper][evidence]) {
            emit EquivocationAlreadySlashed(keeper, evidence);
            return 0;
        }
        _slashedFor[keeper][evidence] = true;
        slashed = uint256(_keepers[keeper].stake) * equivocationSlashBps / BPS;
        _slash(keeper, slashed, challenger, _reward(slashed, challenger));
    }

    /// @inheritdoc IKeeperRegistry
    function slashDisputed(address keeper, address disputer) external returns (uint256 slashed) {
        if (!_isJudge(msg.sender)) revert KeeperCallerNotSlasher(msg.sender);
        slashed = uint256(_keepers[keeper].stake) * disputeSlashBps / BPS;
        _slash(keeper, slashed, disputer, _reward(slashed, disputer));
    }

    /// @inheritdoc IKeeperRegistry
    function freeze(address keeper, uint64 until) external {
        uint64 latest;
        if (_isJudge(msg.sender)) {
            latest = type(uint64).max;
        } else if (msg.sender == guardian && guardian != address(0)) {
            latest = uint64(block.timestamp) + MAX_GUARDIAN_FREEZE;
        } else {
            revert KeeperCallerNotFreezer(msg.sender);
        }
        // forge-lint: disable-next-line(block-timestamp)
        if (until <= block.timestamp || until > latest) revert KeeperFreezeOutOfBounds(until, latest);
        if (until <= frozenUntil[keeper]) return;
        frozenUntil[keeper] = until;
        emit KeeperFrozenUntil(keeper, until, msg.sender);
    }

    /// @inheritdoc IKeeperRegistry
    function unfreeze(address keeper) external {
        if (msg.sender != owner() && (msg.sender != guardian || guardian == address(0))) {
            revert KeeperCallerNotFreezer(msg.sender);
        }
        delete frozenUntil[keeper];
        emit KeeperUnfrozen(keeper, msg.sender);
    }

    /// @inheritdoc IKeeperRegistry
    function slash(address keeper, uint256 amount) external onlyOwner returns (uint256 slashed) {
        if (amount == 0) revert KeeperZeroAmount();
        uint256 held = _keepers[keeper].stake;
        if (held == 0) revert KeeperNotStaked(keeper);
        slashed = amount < held ? amount : held;
        _slash(keeper, slashed, address(0), 0);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc IKeeperRegistry
    function setMarket(address market_) external onlyOwner {
        if (market_ == address(0)) revert KeeperZeroAddress();
        address wired = IInferenceMarket(market_).wiring().keeperRegistry;
        if (wired != address(this)) revert KeeperMarketNotWired(market_, wired);
        uint64 window = IInferenceMarket(market_).challengeWindow();
        if (unbondingDelay <= window) revert KeeperUnbondingDelayOutOfBounds(unbondingDelay, window);
        market = market_;
        emit MarketSet(market_);
    }

    /// @inheritdoc IKeeperRegistry
    function setMinStake(uint256 minStake_) external onlyOwner {
        _setMinStake(minStake_);
    }

    /// @inheritdoc IKeeperRegistry
    function setQuorum(uint256 quorum_) external onlyOwner {
        _setQuorum(quorum_);
    }

    /// @inheritdoc IKeeperRegistry
    function setUnbondingDelay(uint64 unbondingDelay_) external onlyOwner {
        _setUnbondingDelay(unbondingDelay_);
    }

    /// @inheritdoc IKeeperRegistry
    function setSlashParameters(uint16 equivocationSlashBps_, uint16 disputeSlashBps_, uint16 challengerRewardBps_)
        external
        onlyOwner
    {
        _setSlashParameters(equivocationSlashBps_, disputeSlashBps_, challengerRewardBps_);
    }

    /// @inheritdoc IKeeperRegistry
    function setQuorumStakeBps(uint16 quorumStakeBps_) external onlyOwner {
        _setQuorumStakeBps(quorumStakeBps_);
    }

    /// @inheritdoc IKeeperRegistry
    function setCourt(address court_) external onlyOwner {
        court = court_;
        emit CourtSet(court_);
    }

    /// @inheritdoc IKeeperRegistry
    function setLedger(address ledger_) external onlyOwner {
        ledger = ledger_;
        emit LedgerSet(ledger_);
    }

    /// @inheritdoc IKeeperRegistry
    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @inheritdoc IKeeperRegistry
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @inheritdoc IKeeperRegistry
    function quorumStake() external view returns (uint256) {
        return Math.mulDiv(activeStake, quorumStakeBps, BPS, Math.Rounding.Ceil);
    }

    /// @inheritdoc IKeeperRegistry
    function selectExecutor(bytes32 seed) external view returns (address) {
        uint256 total = activeStake;
        if (total == 0) return address(0);
        uint256 point = uint256(seed) % total;
        uint256 length = _active.length();
        for (uint256 i; i < length; ++i) {
            address keeper = _active.at(i);
            uint256 held = _keepers[keeper].stake;
            if (point < held) return keeper;
            point -= held;
        }
        // Unreachable: the active stakes sum to `activeStake`.
        return address(0);
    }

    /// @inheritdoc IKeeperRegistry
    function activeStakeOf(address keeper) external view returns (uint256) {
        return _active.contains(keeper) ? _keepers[keeper].stake : 0;
    }

    /// @inheritdoc IKeeperRegistry
    function isActive(address keeper) public view returns (bool) {
        return _active.contains(keeper);
    }

    /// @inheritdoc IKeeperRegistry
    function activeKeeperCount() external view returns (uint256) {
        return _active.length();
    }

    /// @inheritdoc IKeeperRegistry
    function activeKeepers() external view returns (address[] memory) {
        return _active.values();
    }

    /// @inheritdoc IKeeperRegistry
    function keeperInfo(address keeper) external view returns (uint256, uint64) {
        Keeper memory info = _keepers[keeper];
        return (info.stake, info.unbondingEndsAt);
    }

    /// @inheritdoc IKeeperRegistry
    function stakeOf(address keeper) external view returns (uint256) {
        return _keepers[keeper].stake;
    }

    // ─── Internal ─────────────────────────────────────────────────────────────

    /// @dev The court and the ledger decide disputes, so both slash their signers and freeze stake meanwhile.
    function _isJudge(address caller) internal view returns (bool) {
        return caller != address(0) && (caller == court || caller == ledger);
    }

    function _slash(address keeper, uint256 amount, address challenger, uint256 reward) internal {
        if (amount == 0) return;
        // A keeper slashed to zero that is unbonding keeps its record so that `withdraw` still clears it.
        // `amount` never exceeds the keeper's uint192 stake (callers cap it), so the cast is lossless.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 remaining = _keepers[keeper].stake - amount;
        // forge-lint: disable-next-line(unsafe-typecast)
        _keepers[keeper].stake = uint192(remaining);
        totalStaked -= amount;
        if (_active.contains(keeper)) {
            activeStake -= amount;
            if (remaining < minStake) _deactivate(keeper, remaining);
        }
        emit KeeperSlashed(keeper, amount, challenger, reward);
        if (reward != 0) IERC20(token).safeTransfer(challenger, reward);
        IERC20(token).safeTransfer(treasury, amount - reward);
    }

    /// @dev A keeper below the minimum leaves the active set, so it neither signs, nor holds turns of the schedule,
    /// nor counts in the stake quorum; it keeps its stake (slashable) and can top up or unbond.
    function _deactivate(address keeper, uint256 remaining) internal {
        _active.remove(keeper);
        activeStake -= remaining;
        emit KeeperDeactivated(keeper, remaining);
    }

    function _setMinStake(uint256 minStake_) internal {
        if (minStake_ == 0 || minStake_ > MAX_MIN_STAKE) revert KeeperMinStakeOutOfBounds(minStake_);
        minStake = minStake_;
        // Backwards: removal moves the last member into the freed slot.
        for (uint256 i = _active.length(); i > 0; --i) {
            address keeper = _active.at(i - 1);
            uint256 held = _keepers[keeper].stake;
            if (held < minStake_) _deactivate(keeper, held);
        }
        emit MinStakeSet(minStake_);
    }

    function _setQuorum(uint256 quorum_) internal {
        if (quorum_ == 0 || quorum_ > MAX_QUORUM) revert KeeperQuorumOutOfBounds(quorum_);
        quorum = quorum_;
        emit QuorumSet(quorum_);
    }

    function _setUnbondingDelay(uint64 unbondingDelay_) internal {
        uint64 window = market == address(0) ? 0 : IInferenceMarket(market).challengeWindow();
        if (unbondingDelay_ <= window || unbondingDelay_ > MAX_UNBONDING_DELAY) {
            revert KeeperUnbondingDelayOutOfBounds(unbondingDelay_, window);
        }
        unbondingDelay = unbondingDelay_;
        emit UnbondingDelaySet(unbondingDelay_);
    }

    function _reward(uint256 slashed, address challenger) internal view returns (uint256) {
        return challenger == address(0) ? 0 : slashed * challengerRewardBps / BPS;
    }

    function _setSlashParameters(uint16 equivocationSlashBps_, uint16 disputeSlashBps_, uint16 challengerRewardBps_)
        internal
    {
        if (equivocationSlashBps_ == 0 || equivocationSlashBps_ > BPS) {
            revert KeeperBpsOutOfBounds(equivocationSlashBps_);
        }
        if (disputeSlashBps_ == 0 || disputeSlashBps_ > BPS) revert KeeperBpsOutOfBounds(disputeSlashBps_);
        if (challengerRewardBps_ > BPS) revert KeeperBpsOutOfBounds(challengerRewardBps_);
        equivocationSlashBps = equivocationSlashBps_;
        disputeSlashBps = disputeSlashBps_;
        challengerRewardBps = challengerRewardBps_;
        emit SlashParametersSet(equivocationSlashBps_, disputeSlashBps_, challengerRewardBps_);
    }

    function _setQuorumStakeBps(uint16 quorumStakeBps_) internal {
        if (quorumStakeBps_ < MIN_QUORUM_STAKE_BPS || quorumStakeBps_ > BPS) {
            revert KeeperQuorumStakeOutOfBounds(quorumStakeBps_);
        }
        quorumStakeBps = quorumStakeBps_;
        emit QuorumStakeSet(quorumStakeBps_);
    }

    function _setTreasury(address treasury_) internal {
        if (treasury_ == address(0)) revert KeeperZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }
}
