// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {InferenceMarket} from "../contracts/InferenceMarket.sol";
import {KeeperRegistry} from "../contracts/KeeperRegistry.sol";
import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {IKeeperRegistry} from "../contracts/interfaces/IKeeperRegistry.sol";
import {ProtocolFixture} from "./utils/ProtocolFixture.sol";

contract KeeperRegistryTest is ProtocolFixture {
    bytes32 internal constant EVIDENCE = keccak256(abi.encode(uint256(1), uint16(0)));

    address internal newcomer = makeAddr("newcomer");

    function setUp() public override {
        super.setUp();
        _fund(newcomer, 10_000 ether, address(keepers));
    }

    function test_constructor_setsParameters() public view {
        assertEq(keepers.token(), address(open));
        assertEq(keepers.owner(), governance);
        assertEq(keepers.treasury(), treasury);
        assertEq(keepers.minStake(), MIN_STAKE);
        assertEq(keepers.quorum(), 2);
        assertEq(keepers.unbondingDelay(), UNBONDING_DELAY);
        assertEq(keepers.equivocationSlashBps(), 5000);
        assertEq(keepers.challengerRewardBps(), 5000);
        assertEq(keepers.market(), address(market));
        assertEq(keepers.activeKeeperCount(), 3);
        assertEq(keepers.totalStaked(), 3 * KEEPER_STAKE);
    }

    function test_RevertWhen_constructorQuorumZero() public {
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperQuorumOutOfBounds.selector, 0));
        new KeeperRegistry(address(open), governance, treasury, MIN_STAKE, 0, UNBONDING_DELAY);
    }

    // ─── stake ────────────────────────────────────────────────────────────────

    function test_stake_joinsActiveSet() public {
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperStaked(newcomer, MIN_STAKE, MIN_STAKE);
        vm.prank(newcomer);
        keepers.stake(MIN_STAKE);
        assertTrue(keepers.isActive(newcomer));
        assertEq(keepers.stakeOf(newcomer), MIN_STAKE);
        assertEq(keepers.activeKeeperCount(), 4);
        assertEq(open.balanceOf(address(keepers)), 3 * KEEPER_STAKE + MIN_STAKE);
        address[] memory active = keepers.activeKeepers();
        assertEq(active.length, 4);
        assertEq(active[3], newcomer);
    }

    function test_stake_topUp() public {
        vm.startPrank(newcomer);
        keepers.stake(MIN_STAKE);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperStaked(newcomer, 1, MIN_STAKE + 1);
        keepers.stake(1);
        vm.stopPrank();
        assertEq(keepers.stakeOf(newcomer), MIN_STAKE + 1);
    }

    function test_RevertWhen_firstStakeBelowMinimum() public {
        vm.prank(newcomer);
        vm.expectRevert(
            abi.encodeWithSelector(IKeeperRegistry.KeeperStakeBelowMinimum.selector, MIN_STAKE - 1, MIN_STAKE)
        );
        keepers.stake(MIN_STAKE - 1);
    }

    function test_RevertWhen_stakeZero() public {
        vm.prank(newcomer);
        vm.expectRevert(IKeeperRegistry.KeeperZeroAmount.selector);
        keepers.stake(0);
    }

    function test_RevertWhen_stakeWhileUnbonding() public {
        address keeper = keeperAddrs[0];
        vm.prank(keeper);
        uint64 endsAt = keepers.requestUnbond();
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperIsUnbonding.selector, keeper, endsAt));
        keepers.stake(1);
    }

    function test_minStakeRaise_deactivatesUnderstakedKeepers() public {
        vm.prank(governance);
        keepers.setMinStake(KEEPER_STAKE + 1);
        assertFalse(keepers.isActive(keeperAddrs[0]));
        assertEq(keepers.activeKeeperCount(), 0);
        assertEq(keepers.activeKeepers().length, 0);
        _fund(keeperAddrs[0], 1, address(keepers));
        vm.prank(keeperAddrs[0]);
        keepers.stake(1);
        assertTrue(keepers.isActive(keeperAddrs[0]));
    }

    // ─── unbond and withdraw ─────────────────────────────────────────────────

    function test_requestUnbond_leavesActiveSetAtOnce() public {
        address keeper = keeperAddrs[0];
        uint64 endsAt = uint64(block.timestamp) + UNBONDING_DELAY;
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperUnbondingRequested(keeper, KEEPER_STAKE, endsAt);
        vm.prank(keeper);
        assertEq(keepers.requestUnbond(), endsAt);
        assertFalse(keepers.isActive(keeper));
        assertEq(keepers.activeKeeperCount(), 2);
        (uint256 stake, uint64 unbondingEndsAt) = keepers.keeperInfo(keeper);
        assertEq(stake, KEEPER_STAKE);
        assertEq(unbondingEndsAt, endsAt);
    }

    function test_withdraw_afterDelay() public {
        address keeper = keeperAddrs[0];
        vm.prank(keeper);
        uint64 endsAt = keepers.requestUnbond();
        vm.warp(endsAt);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperWithdrawn(keeper, KEEPER_STAKE);
        vm.prank(keeper);
        assertEq(keepers.withdraw(), KEEPER_STAKE);
        assertEq(open.balanceOf(keeper), KEEPER_STAKE);
        assertEq(keepers.stakeOf(keeper), 0);
        assertEq(keepers.totalStaked(), 2 * KEEPER_STAKE);
        // A withdrawn keeper may join again.
        vm.prank(keeper);
        open.approve(address(keepers), MIN_STAKE);
        vm.prank(keeper);
        keepers.stake(MIN_STAKE);
        assertTrue(keepers.isActive(keeper));
    }

    function test_RevertWhen_withdrawBeforeDelay() public {
        address keeper = keeperAddrs[0];
        vm.prank(keeper);
        uint64 endsAt = keepers.requestUnbond();
        vm.warp(endsAt - 1);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperUnbondingNotElapsed.selector, keeper, endsAt));
        keepers.withdraw();
    }

    function test_RevertWhen_withdrawWithoutUnbond() public {
        vm.prank(keeperAddrs[0]);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperNotUnbonding.selector, keeperAddrs[0]));
        keepers.withdraw();
    }

    function test_RevertWhen_unbondTwice() public {
        vm.prank(keeperAddrs[0]);
        uint64 endsAt = keepers.requestUnbond();
        vm.prank(keeperAddrs[0]);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperIsUnbonding.selector, keeperAddrs[0], endsAt));
        keepers.requestUnbond();
    }

    function test_RevertWhen_unbondWithoutStake() public {
        vm.prank(newcomer);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperNotStaked.selector, newcomer));
        keepers.requestUnbond();
    }

    // ─── slashing ─────────────────────────────────────────────────────────────

    function test_slash_byGovernanceDuringUnbonding() public {
        address keeper = keeperAddrs[0];
        vm.prank(keeper);
        uint64 endsAt = keepers.requestUnbond();
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperSlashed(keeper, 300 ether, address(0), 0);
        vm.prank(governance);
        assertEq(keepers.slash(keeper, 300 ether), 300 ether);
        assertEq(open.balanceOf(treasury), 300 ether);
        vm.warp(endsAt);
        vm.prank(keeper);
        assertEq(keepers.withdraw(), KEEPER_STAKE - 300 ether);
    }

    function test_slash_cappedAtStakeAndLeavesSet() public {
        address keeper = keeperAddrs[0];
        vm.prank(governance);
        assertEq(keepers.slash(keeper, type(uint256).max), KEEPER_STAKE);
        assertFalse(keepers.isActive(keeper));
        assertEq(keepers.activeKeeperCount(), 2);
        assertEq(keepers.totalStaked(), 2 * KEEPER_STAKE);
    }

    function test_RevertWhen_slashByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        keepers.slash(keeperAddrs[0], 1);
    }

    function test_RevertWhen_slashUnstaked() public {
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperNotStaked.selector, newcomer));
        keepers.slash(newcomer, 1);
    }

    function test_RevertWhen_slashZero() public {
        vm.prank(governance);
        vm.expectRevert(IKeeperRegistry.KeeperZeroAmount.selector);
        keepers.slash(keeperAddrs[0], 0);
    }

    function test_RevertWhen_slashEquivocationNotBySlasher() public {
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperCallerNotSlasher.selector, governance));
        keepers.slashEquivocation(keeperAddrs[0], challenger, EVIDENCE);
        // No court is set: the zero address is no slasher either.
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperCallerNotSlasher.selector, address(0)));
        keepers.slashEquivocation(keeperAddrs[0], challenger, EVIDENCE);
        vm.prank(address(market));
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperCallerNotSlasher.selector, address(market)));
        keepers.slashDisputed(keeperAddrs[0], challenger);
    }

    function test_slashEquivocation_byMarketPaysChallenger() public {
        vm.prank(address(market));
        assertEq(keepers.slashEquivocation(keeperAddrs[0], challenger, EVIDENCE), KEEPER_STAKE / 2);
        assertEq(open.balanceOf(challenger), KEEPER_STAKE / 4);
        assertEq(open.balanceOf(treasury), KEEPER_STAKE / 4);
        assertEq(keepers.activeStake(), 3 * KEEPER_STAKE - KEEPER_STAKE / 2);
    }

    function test_slashEquivocation_oncePerEvidence() public {
        vm.startPrank(address(market));
        keepers.slashEquivocation(keeperAddrs[0], challenger, EVIDENCE);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.EquivocationAlreadySlashed(keeperAddrs[0], EVIDENCE);
        assertEq(keepers.slashEquivocation(keeperAddrs[0], challenger, EVIDENCE), 0);
        // Another request or round is another offence.
        assertEq(keepers.slashEquivocation(keeperAddrs[0], challenger, keccak256("other")), KEEPER_STAKE / 4);
        vm.stopPrank();
    }

    /// @dev Distinct slash and reward fractions, so that a reward computed with the wrong one is seen.
    function test_slashEquivocation_rewardIsShareOfSlashed() public {
        vm.prank(governance);
        keepers.setSlashParameters(8000, 3000, 2500);
        vm.prank(address(market));
        uint256 slashed = keepers.slashEquivocation(keeperAddrs[0], challenger, EVIDENCE);
        assertEq(slashed, KEEPER_STAKE * 8000 / 10_000);
        assertEq(open.balanceOf(challenger), slashed * 2500 / 10_000);
        assertEq(open.balanceOf(treasury), slashed - slashed * 2500 / 10_000);
    }

    function testFuzz_slashEquivocation_conservesStake(uint16 slashBps, uint16 rewardBps) public {
        slashBps = uint16(bound(slashBps, 1, 10_000));
        rewardBps = uint16(bound(rewardBps, 0, 10_000));
        vm.prank(governance);
        keepers.setSlashParameters(slashBps, 10_000, rewardBps);
        vm.prank(address(market));
        uint256 slashed = keepers.slashEquivocation(keeperAddrs[0], challenger, EVIDENCE);
        assertEq(slashed, KEEPER_STAKE * slashBps / 10_000);
        assertEq(open.balanceOf(challenger), slashed * rewardBps / 10_000);
        assertEq(open.balanceOf(challenger) + open.balanceOf(treasury), slashed);
        assertEq(open.balanceOf(address(keepers)), keepers.totalStaked());
    }

    // ─── stake quorum, schedule and freezes ────────────────────────────────────

    function test_quorumStake_isTwoThirdsOfBondedStakeRoundedUp() public view {
        assertEq(keepers.activeStake(), 3 * KEEPER_STAKE);
        assertEq(keepers.quorumStake(), (3 * KEEPER_STAKE * 6666 + 9999) / 10_000);
    }

    function test_activeStake_followsStakeUnbondAndSlash() public {
        address keeper = keeperAddrs[1];
        vm.prank(keeper);
        keepers.requestUnbond();
        assertEq(keepers.activeStake(), 2 * KEEPER_STAKE);
        assertEq(keepers.activeStakeOf(keeper), 0);
        // Slashing an unbonding keeper does not touch the active stake again.
        vm.prank(address(market));
        keepers.slashEquivocation(keeper, address(0), EVIDENCE);
        assertEq(keepers.activeStake(), 2 * KEEPER_STAKE);
        assertEq(keepers.activeKeepers().length, 2);
    }

    /// @dev A keeper slashed below the minimum cannot sign; counting its stake in the quorum base would make
    /// every report need more than the signers that remain can hold.
    function test_slash_belowMinimumLeavesActiveSetUntilTopUp() public {
        address keeper = keeperAddrs[0];
        vm.prank(governance);
        keepers.setSlashParameters(7500, 10_000, 0);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperDeactivated(keeper, KEEPER_STAKE / 4);
        vm.prank(address(market));
        keepers.slashEquivocation(keeper, address(0), EVIDENCE);
        assertFalse(keepers.isActive(keeper));
        assertEq(keepers.activeStake(), 2 * KEEPER_STAKE);
        assertEq(keepers.activeKeepers().length, 2);
        // A top-up short of the minimum is refused; one that reaches it rejoins with the whole stake.
        _fund(keeper, MIN_STAKE, address(keepers));
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                IKeeperRegistry.KeeperStakeBelowMinimum.selector, KEEPER_STAKE / 4 + 1 ether, MIN_STAKE
            )
        );
        keepers.stake(1 ether);
        vm.prank(keeper);
        keepers.stake(MIN_STAKE);
        assertTrue(keepers.isActive(keeper));
        assertEq(keepers.activeStake(), 2 * KEEPER_STAKE + KEEPER_STAKE / 4 + MIN_STAKE);
    }

    function test_setMinStake_raisedDeactivatesKeepersBelowIt() public {
        _fund(keeperAddrs[1], KEEPER_STAKE, address(keepers));
        vm.prank(keeperAddrs[1]);
        keepers.stake(KEEPER_STAKE);
        vm.prank(governance);
        keepers.setMinStake(KEEPER_STAKE + 1);
        assertEq(keepers.activeKeepers().length, 1);
        assertEq(keepers.activeKeepers()[0], keeperAddrs[1]);
        assertEq(keepers.activeStake(), 2 * KEEPER_STAKE);
        // A deactivated keeper can still unbond and withdraw its stake.
        vm.prank(keeperAddrs[0]);
        uint64 endsAt = keepers.requestUnbond();
        vm.warp(endsAt);
        vm.prank(keeperAddrs[0]);
        assertEq(keepers.withdraw(), KEEPER_STAKE);
        assertEq(keepers.activeStake(), 2 * KEEPER_STAKE);
    }

    function test_selectExecutor_drawsInProportionToStake() public {
        // Keeper 0 triples its stake: 6,000 of 10,000.
        _fund(keeperAddrs[0], 2 * KEEPER_STAKE, address(keepers));
        vm.prank(keeperAddrs[0]);
        keepers.stake(2 * KEEPER_STAKE);
        uint256 draws = 3000;
        uint256 heavy;
        for (uint256 i; i < draws; ++i) {
            address drawn = keepers.selectExecutor(keccak256(abi.encode(i)));
            assertTrue(keepers.isActive(drawn));
            if (drawn == keeperAddrs[0]) ++heavy;
        }
        // 60 % expected; a binomial over 3,000 draws stays within ±3 points far beyond 99.9 % of the time.
        assertApproxEqAbs(heavy * 100 / draws, 60, 3);
    }

    /// @dev One stake split over many minimum-stake accounts is drawn as often as the whole stake, no more.
    function test_selectExecutor_splittingStakeEarnsNoMoreTurns() public {
        address[] memory sybils = new address[](4);
        for (uint256 i; i < 4; ++i) {
            sybils[i] = makeAddr(string.concat("sybil", vm.toString(i)));
            _fund(sybils[i], MIN_STAKE, address(keepers));
            vm.prank(sybils[i]);
            keepers.stake(MIN_STAKE);
        }
        // 4,000 of 10,000 active stake in four accounts.
        uint256 draws = 3000;
        uint256 won;
        for (uint256 i; i < draws; ++i) {
            address drawn = keepers.selectExecutor(keccak256(abi.encode("turn", i)));
            for (uint256 j; j < 4; ++j) {
                if (drawn == sybils[j]) ++won;
            }
        }
        assertApproxEqAbs(won * 100 / draws, 40, 3);
    }

    function test_selectExecutor_noneWhenNobodyIsActive() public {
        for (uint256 i; i < keeperAddrs.length; ++i) {
            vm.prank(keeperAddrs[i]);
            keepers.requestUnbond();
        }
        assertEq(keepers.selectExecutor(keccak256("any")), address(0));
    }

    function test_freeze_guardianHoldsUnbondingStake() public {
        address guardian = makeAddr("guardian");
        vm.prank(governance);
        keepers.setGuardian(guardian);
        address keeper = keeperAddrs[0];
        vm.prank(keeper);
        uint64 endsAt = keepers.requestUnbond();
        // A slash is being decided: the guardian freezes the stake before the keeper can leave with it.
        uint64 until = uint64(block.timestamp) + 30 days;
        vm.prank(guardian);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.KeeperFrozenUntil(keeper, until, guardian);
        keepers.freeze(keeper, until);
        vm.warp(endsAt);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperFrozen.selector, keeper, until));
        keepers.withdraw();
        // Governance decides in time and slashes the frozen stake.
        vm.prank(governance);
        keepers.slash(keeper, KEEPER_STAKE);
        assertEq(keepers.stakeOf(keeper), 0);
    }

    function test_freeze_unfrozenByGuardianThenWithdraws() public {
        address guardian = makeAddr("guardian");
        vm.prank(governance);
        keepers.setGuardian(guardian);
        address keeper = keeperAddrs[0];
        vm.prank(keeper);
        uint64 endsAt = keepers.requestUnbond();
        vm.prank(guardian);
        keepers.freeze(keeper, endsAt + 1 days);
        vm.prank(guardian);
        keepers.unfreeze(keeper);
        vm.warp(endsAt);
        vm.prank(keeper);
        assertEq(keepers.withdraw(), KEEPER_STAKE);
    }

    function test_RevertWhen_freezeByStrangerOrTooLong() public {
        address guardian = makeAddr("guardian");
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperCallerNotFreezer.selector, challenger));
        keepers.freeze(keeperAddrs[0], uint64(block.timestamp) + 1 days);
        vm.prank(governance);
        keepers.setGuardian(guardian);
        uint64 latest = uint64(block.timestamp) + 30 days;
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperFreezeOutOfBounds.selector, latest + 1, latest));
        keepers.freeze(keeperAddrs[0], latest + 1);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperCallerNotFreezer.selector, challenger));
        keepers.unfreeze(keeperAddrs[0]);
        // A retired guardian freezes nothing.
        vm.prank(governance);
        keepers.setGuardian(address(0));
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperCallerNotFreezer.selector, guardian));
        keepers.freeze(keeperAddrs[0], uint64(block.timestamp) + 1 days);
    }

    // ─── governance ─────────────────────────────────────────────────────────

    function test_setters_updateAndEmit() public {
        vm.startPrank(governance);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.MinStakeSet(5 ether);
        keepers.setMinStake(5 ether);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.QuorumSet(3);
        keepers.setQuorum(3);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.UnbondingDelaySet(2 days);
        keepers.setUnbondingDelay(2 days);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.SlashParametersSet(10_000, 5000, 0);
        keepers.setSlashParameters(10_000, 5000, 0);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.QuorumStakeSet(7500);
        keepers.setQuorumStakeBps(7500);
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.CourtSet(address(0xc0));
        keepers.setCourt(address(0xc0));
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.TreasurySet(address(0xbeef));
        keepers.setTreasury(address(0xbeef));
        vm.expectEmit(address(keepers));
        emit IKeeperRegistry.MarketSet(address(market));
        keepers.setMarket(address(market));
        vm.stopPrank();
        assertEq(keepers.minStake(), 5 ether);
        assertEq(keepers.quorum(), 3);
        assertEq(keepers.unbondingDelay(), 2 days);
        assertEq(keepers.treasury(), address(0xbeef));
    }

    function test_RevertWhen_settersOutOfBounds() public {
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperMinStakeOutOfBounds.selector, 0));
        keepers.setMinStake(0);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperQuorumOutOfBounds.selector, 0));
        keepers.setQuorum(0);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperQuorumOutOfBounds.selector, 33));
        keepers.setQuorum(33);
        // The unbonding delay must stay longer than the market's challenge window.
        vm.expectRevert(
            abi.encodeWithSelector(
                IKeeperRegistry.KeeperUnbondingDelayOutOfBounds.selector, CHALLENGE_WINDOW, CHALLENGE_WINDOW
            )
        );
        keepers.setUnbondingDelay(CHALLENGE_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(IKeeperRegistry.KeeperUnbondingDelayOutOfBounds.selector, 91 days, CHALLENGE_WINDOW)
        );
        keepers.setUnbondingDelay(91 days);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperBpsOutOfBounds.selector, 0));
        keepers.setSlashParameters(0, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperBpsOutOfBounds.selector, 0));
        keepers.setSlashParameters(1, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperBpsOutOfBounds.selector, 10_001));
        keepers.setSlashParameters(1, 1, 10_001);
        // A stake quorum must stay a strict majority.
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperQuorumStakeOutOfBounds.selector, 5000));
        keepers.setQuorumStakeBps(5000);
        vm.expectRevert(IKeeperRegistry.KeeperZeroAddress.selector);
        keepers.setTreasury(address(0));
        vm.expectRevert(IKeeperRegistry.KeeperZeroAddress.selector);
        keepers.setMarket(address(0));
        vm.stopPrank();
    }

    function test_RevertWhen_marketWindowNotBelowDelay() public {
        KeeperRegistry fresh = new KeeperRegistry(address(open), governance, treasury, MIN_STAKE, 1, 7 days);
        IInferenceMarket.Wiring memory wiring = _wiring();
        wiring.keeperRegistry = address(fresh);
        InferenceMarket wired = new InferenceMarket(wiring, governance, treasury, _parameters());
        vm.startPrank(governance);
        wired.setChallengeWindow(2 hours);
        // With no market yet the registry cannot see the window, so the delay may drop below it here...
        fresh.setUnbondingDelay(1 hours);
        // ...and connecting the market is what refuses the pair.
        vm.expectRevert(
            abi.encodeWithSelector(IKeeperRegistry.KeeperUnbondingDelayOutOfBounds.selector, 1 hours, 2 hours)
        );
        fresh.setMarket(address(wired));
        vm.stopPrank();
    }

    function test_RevertWhen_setMarketWiredToAnotherRegistry() public {
        // A market slashing through another registry could never slash here, and its window would bound the
        // wrong unbonding delay.
        KeeperRegistry fresh = new KeeperRegistry(address(open), governance, treasury, MIN_STAKE, 1, 7 days);
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(IKeeperRegistry.KeeperMarketNotWired.selector, address(market), address(keepers))
        );
        fresh.setMarket(address(market));
    }

    function test_RevertWhen_setterCalledByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        keepers.setQuorum(1);
    }
}
