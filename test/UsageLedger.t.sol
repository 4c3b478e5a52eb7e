// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IKeeperRegistry} from "../contracts/interfaces/IKeeperRegistry.sol";
import {IUsageLedger} from "../contracts/interfaces/IUsageLedger.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";

contract UsageLedgerTest is LedgerFixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    // ─── Balances ─────────────────────────────────────────────────────────────

    function test_deposit_creditsBalance() public {
        vm.expectEmit(address(ledger));
        emit IUsageLedger.Deposited(requester, requester, 5 ether, DEPOSIT + 5 ether);
        vm.prank(requester);
        ledger.deposit(5 ether);
        assertEq(ledger.balanceOf(requester), DEPOSIT + 5 ether);
        assertEq(ledger.totalBalances(), 2 * DEPOSIT + 5 ether);
        assertEq(open.balanceOf(address(ledger)), 2 * DEPOSIT + 5 ether);
    }

    function test_depositFor_creditsAnotherAccount() public {
        vm.prank(requester);
        ledger.depositFor(alice, 3 ether);
        assertEq(ledger.balanceOf(alice), 3 ether);
    }

    function test_RevertWhen_depositZeroOrForNobody() public {
        vm.prank(requester);
        vm.expectRevert(IUsageLedger.LedgerZeroAmount.selector);
        ledger.deposit(0);
        vm.prank(requester);
        vm.expectRevert(IUsageLedger.LedgerZeroAddress.selector);
        ledger.depositFor(address(0), 1);
    }

    function test_withdraw_afterDelay() public {
        vm.prank(requester);
        uint64 unlockAt = ledger.requestWithdrawal(400 ether);
        assertEq(unlockAt, block.timestamp + WITHDRAWAL_DELAY);
        assertEq(ledger.availableBalance(requester), DEPOSIT - 400 ether);
        vm.warp(unlockAt);
        uint256 before = open.balanceOf(requester);
        vm.expectEmit(address(ledger));
        emit IUsageLedger.Withdrawn(requester, 400 ether);
        vm.prank(requester);
        assertEq(ledger.withdraw(), 400 ether);
        assertEq(open.balanceOf(requester), before + 400 ether);
        assertEq(ledger.balanceOf(requester), DEPOSIT - 400 ether);
        (uint256 amount,) = ledger.pendingWithdrawal(requester);
        assertEq(amount, 0);
    }

    function test_RevertWhen_withdrawWithoutRequestOrEarly() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerNoWithdrawal.selector, requester));
        ledger.withdraw();
        vm.prank(requester);
        uint64 unlockAt = ledger.requestWithdrawal(1 ether);
        vm.warp(unlockAt - 1);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerWithdrawalLocked.selector, requester, unlockAt));
        ledger.withdraw();
    }

    function test_requestWithdrawal_zeroCancels() public {
        vm.startPrank(requester);
        ledger.requestWithdrawal(1 ether);
        ledger.requestWithdrawal(0);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerNoWithdrawal.selector, requester));
        ledger.withdraw();
        vm.stopPrank();
        assertEq(ledger.availableBalance(requester), DEPOSIT);
    }

    // ─── Prices ───────────────────────────────────────────────────────────────

    function test_priceOf_defaultsToRegistryPricePerRequest() public view {
        IUsageLedger.Price memory price = ledger.priceOf(modelId);
        assertEq(price.perRequest, PRICE);
        assertEq(ledger.quote(modelId, 1000, 1000), PRICE);
    }

    function test_setPrice_perToken() public {
        vm.expectEmit(address(ledger));
        emit IUsageLedger.PriceSet(modelId, 0, 1e12, 3e12);
        vm.prank(developer);
        ledger.setPrice(modelId, 0, 1e12, 3e12);
        assertEq(ledger.quote(modelId, 100, 20), 100 * 1e12 + 20 * 3e12);
    }

    function test_RevertWhen_setPriceByStranger() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerCallerNotModelOwner.selector, modelId, alice));
        ledger.setPrice(modelId, 1, 0, 0);
    }

    function test_RevertWhen_quoteUnrequestableModel() public {
        vm.prank(developer);
        models.pause(modelId);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerModelNotRequestable.selector, modelId));
        ledger.quote(modelId, 1, 1);
    }

    // ─── Settlement ───────────────────────────────────────────────────────────

    function test_submitEpoch_debitsVouchersAndOpensWindow() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 30 ether, bob, 20 ether);
        IUsageLedger.Voucher[] memory vouchers = new IUsageLedger.Voucher[](2);
        vouchers[0] = _voucher(requester, keeperAddrs[0], 35 ether);
        vouchers[1] = _voucher(requesterB, keeperAddrs[1], 15 ether);
        IUsageLedger.EpochReport memory report = _report(_root(accounts, amounts), 50 ether, vouchers);

        vm.expectEmit(address(ledger));
        emit IUsageLedger.VoucherSettled(1, requester, keeperAddrs[0], 35 ether, 35 ether, 0);
        vm.expectEmit(address(ledger));
        emit IUsageLedger.VoucherSettled(1, requesterB, keeperAddrs[1], 15 ether, 15 ether, 0);
        _submitEpoch(report);

        assertEq(ledger.epochCount(), 1);
        assertEq(ledger.balanceOf(requester), DEPOSIT - 35 ether);
        assertEq(ledger.balanceOf(requesterB), DEPOSIT - 15 ether);
        assertEq(ledger.settledSpend(requester, keeperAddrs[0]), 35 ether);
        assertEq(ledger.totalSpent(), 50 ether);
        IUsageLedger.Epoch memory epoch = ledger.getEpoch(1);
        assertEq(uint8(epoch.status), uint8(IUsageLedger.EpochStatus.Pending));
        assertEq(epoch.challengeEndsAt, block.timestamp + LEDGER_WINDOW);
        assertEq(ledger.epochSigners(1).length, 2);
        (uint64 claimable,,) = ledger.claimableRoot();
        assertEq(claimable, 0, "nothing claimable inside the window");
    }

    function test_hashes_matchForgeEncoder() public view {
        IUsageLedger.Voucher memory v = _voucher(requester, keeperAddrs[0], 1 ether);
        assertEq(
            ledger.hashVoucher(v),
            keccak256(
                abi.encodePacked("\x19\x01", _domainSeparator(), vm.eip712HashStruct(VOUCHER_TYPE, abi.encode(v)))
            )
        );
        IUsageLedger.EpochReport memory report = _report(bytes32(uint256(1)), 1 ether, _one(v));
        assertEq(ledger.hashEpochReport(report), _epochDigest(report));
        assertEq(ledger.domainSeparator(), _domainSeparator());
    }

    function test_claim_oneClaimCoversEveryPastEpoch() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 6 ether, bob, 4 ether);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        // Epoch 2 adds 10 more: cumulative alice 12, bob 8.
        (accounts, amounts) = _pair(alice, 12 ether, bob, 8 ether);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 20 ether)));
        vm.warp(block.timestamp + LEDGER_WINDOW);

        (uint64 epoch, bytes32 root, uint256 total) = ledger.claimableRoot();
        assertEq(epoch, 2);
        assertEq(root, _root(accounts, amounts));
        assertEq(total, 20 ether);
        vm.expectEmit(address(ledger));
        emit IUsageLedger.Claimed(alice, 2, 12 ether, 12 ether);
        assertEq(ledger.claim(alice, 12 ether, _proof(accounts, amounts, 0)), 12 ether);
        assertEq(open.balanceOf(alice), 12 ether);

        // Epoch 3: alice 15 cumulative; her claim pays the 3 she has not claimed.
        (accounts, amounts) = _pair(alice, 15 ether, bob, 10 ether);
        _settle(accounts, amounts, _one(_voucher(requesterB, keeperAddrs[1], 5 ether)));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        assertEq(ledger.claim(alice, 15 ether, _proof(accounts, amounts, 0)), 3 ether);
        assertEq(ledger.claim(bob, 10 ether, _proof(accounts, amounts, 1)), 10 ether);
        assertEq(ledger.totalClaimed(), 25 ether);
        assertEq(open.balanceOf(address(ledger)), ledger.totalBalances());
        assertEq(uint8(ledger.getEpoch(2).status), uint8(IUsageLedger.EpochStatus.Final));
    }

    function test_submitEpoch_voucherBeyondBalanceDebitsWhatIsLeft() public {
        IUsageLedger.Voucher memory v = _voucher(requester, keeperAddrs[0], DEPOSIT + 7 ether);
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, DEPOSIT, bob, 0);
        vm.expectEmit(address(ledger));
        emit IUsageLedger.VoucherSettled(1, requester, keeperAddrs[0], DEPOSIT + 7 ether, DEPOSIT, 7 ether);
        _submitEpoch(_report(_root(accounts, amounts), DEPOSIT, _one(v)));
        assertEq(ledger.balanceOf(requester), 0);
        assertEq(ledger.settledSpend(requester, keeperAddrs[0]), DEPOSIT + 7 ether);
    }

    function test_RevertWhen_submitWrongEpochOrZeroRoot() public {
        IUsageLedger.EpochReport memory report =
            _report(bytes32(uint256(1)), 1 ether, _one(_voucher(requester, keeperAddrs[0], 1 ether)));
        report.epoch = 2;
        bytes[] memory vs = _voucherSignatures(report.vouchers);
        bytes[] memory ks = _epochSignatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerWrongEpoch.selector, 1, 2));
        ledger.submitEpoch(report, vs, ks);
        report.epoch = 1;
        report.root = bytes32(0);
        vm.expectRevert(IUsageLedger.LedgerZeroRoot.selector);
        ledger.submitEpoch(report, vs, _epochSignatures(report, 2));
    }

    function test_RevertWhen_previousEpochInWindow() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 1 ether, bob, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 1 ether)));
        IUsageLedger.EpochReport memory next =
            _report(_root(accounts, amounts), 1 ether, _one(_voucher(requester, keeperAddrs[0], 2 ether)));
        bytes[] memory vs = _voucherSignatures(next.vouchers);
        bytes[] memory ks = _epochSignatures(next, 2);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.LedgerEpochPending.selector, 1, block.timestamp + LEDGER_WINDOW)
        );
        ledger.submitEpoch(next, vs, ks);
    }

    function test_RevertWhen_quorumRulesBroken() public {
        IUsageLedger.EpochReport memory report =
            _report(bytes32(uint256(1)), 1 ether, _one(_voucher(requester, keeperAddrs[0], 1 ether)));
        bytes[] memory vs = _voucherSignatures(report.vouchers);
        bytes[] memory one = _epochSignatures(report, 1);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerBelowQuorum.selector, 1, 2));
        ledger.submitEpoch(report, vs, one);

        bytes[] memory sigs = _epochSignatures(report, 2);
        (sigs[0], sigs[1]) = (sigs[1], sigs[0]);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerSignersNotAscending.selector, 1, keeperAddrs[0]));
        ledger.submitEpoch(report, vs, sigs);

        // A stranger's key signs as the second "keeper".
        (address stranger, uint256 strangerKey) = makeAddrAndKey("stranger");
        bytes32 digest = _epochDigest(report);
        sigs = new bytes[](2);
        if (stranger > keeperAddrs[0]) {
            (sigs[0], sigs[1]) = (_sign(keeperKeys[0], digest), _sign(strangerKey, digest));
        } else {
            (sigs[0], sigs[1]) = (_sign(strangerKey, digest), _sign(keeperKeys[0], digest));
        }
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerInactiveKeeper.selector, stranger));
        ledger.submitEpoch(report, vs, sigs);
    }

    function test_RevertWhen_signersBelowStakeQuorum() public {
        // A fourth keeper with a large stake: the two lowest keepers now hold under two thirds.
        (address whale,) = _addKeeper("whale");
        _fund(whale, 10_000 ether, address(keepers));
        vm.prank(whale);
        keepers.stake(10_000 ether);
        IUsageLedger.EpochReport memory report =
            _report(bytes32(uint256(1)), 1 ether, _one(_voucher(requester, keeperAddrs[0], 1 ether)));
        // The two lowest non-whale keepers.
        bytes32 digest = _epochDigest(report);
        bytes[] memory sigs = new bytes[](2);
        uint256 n;
        for (uint256 i; i < keeperAddrs.length && n < 2; ++i) {
            if (keeperAddrs[i] != whale) sigs[n++] = _sign(keeperKeys[i], digest);
        }
        uint256 quorumStake = keepers.quorumStake();
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.LedgerBelowStakeQuorum.selector, 2 * KEEPER_STAKE, quorumStake)
        );
        ledger.submitEpoch(report, _voucherSignatures(report.vouchers), sigs);
    }

    function test_RevertWhen_voucherSignatureCountDiffers() public {
        IUsageLedger.EpochReport memory report =
            _report(bytes32(uint256(1)), 1 ether, _one(_voucher(requester, keeperAddrs[0], 1 ether)));
        bytes[] memory ks = _epochSignatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerVoucherSignaturesMismatch.selector, 1, 0));
        ledger.submitEpoch(report, new bytes[](0), ks);
    }

    // ─── Disputes ─────────────────────────────────────────────────────────────

    function _disputed() internal returns (address[] memory accounts, uint256[] memory amounts) {
        (accounts, amounts) = _pair(alice, 10 ether, bob, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        _fund(challenger, DISPUTE_BOND, address(ledger));
        vm.prank(challenger);
        ledger.dispute(1, "blob://evidence");
    }

    function test_dispute_freezesSignersAndHoldsBond() public {
        _disputed();
        assertEq(uint8(ledger.getEpoch(1).status), uint8(IUsageLedger.EpochStatus.Disputed));
        assertEq(open.balanceOf(challenger), 0);
        assertGt(keepers.frozenUntil(keeperAddrs[0]), block.timestamp + RESOLUTION_PERIOD);
        assertGt(keepers.frozenUntil(keeperAddrs[1]), block.timestamp + RESOLUTION_PERIOD);
    }

    function test_dispute_upheldVoidsSlashesAndReturnsBond() public {
        _disputed();
        uint256 stakeBefore = keepers.stakeOf(keeperAddrs[0]);
        vm.prank(guardian);
        ledger.rule(1, true);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.LedgerNotExecutable.selector, 1, block.timestamp + APPEAL_WINDOW)
        );
        ledger.execute(1);
        vm.warp(block.timestamp + APPEAL_WINDOW);
        uint256 slashed = ledger.execute(1);
        assertEq(slashed, 2 * stakeBefore * keepers.disputeSlashBps() / 10_000);
        assertEq(uint8(ledger.getEpoch(1).status), uint8(IUsageLedger.EpochStatus.Voided));
        assertGe(open.balanceOf(challenger), DISPUTE_BOND, "bond back plus the challenger's part");
        assertLt(keepers.stakeOf(keeperAddrs[0]), stakeBefore);

        // The voucher stays spent: the next honest report carries its 10 OPEN in its total.
        assertEq(ledger.settledSpend(requester, keeperAddrs[0]), 10 ether);
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 5 ether, bob, 5 ether);
        IUsageLedger.EpochReport memory report = _report(_root(accounts, amounts), 0, new IUsageLedger.Voucher[](0));
        assertEq(report.cumulativeTotal, 10 ether);
        _restake();
        ledger.submitEpoch(report, new bytes[](0), _epochSignatures(report, 3));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        assertEq(ledger.claim(bob, 5 ether, _proof(accounts, amounts, 1)), 5 ether);
    }

    /// @dev The slashed keepers fell below the minimum stake; they top up so a quorum exists again.
    function _restake() internal {
        for (uint256 i; i < 2; ++i) {
            uint256 missing = MIN_STAKE + 1 ether - keepers.stakeOf(keeperAddrs[i]);
            _fund(keeperAddrs[i], missing, address(keepers));
            vm.prank(keeperAddrs[i]);
            keepers.stake(missing);
        }
    }

    function test_dispute_governanceOverridesGuardian() public {
        _disputed();
        vm.prank(guardian);
        ledger.rule(1, true);
        vm.prank(governance);
        ledger.rule(1, false);
        ledger.execute(1);
        assertEq(uint8(ledger.getEpoch(1).status), uint8(IUsageLedger.EpochStatus.Final));
        (uint64 epoch,,) = ledger.claimableRoot();
        assertEq(epoch, 1);
    }

    function test_dispute_unruledTimesOutAndRootStands() public {
        (address[] memory accounts, uint256[] memory amounts) = _disputed();
        vm.warp(block.timestamp + RESOLUTION_PERIOD);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerResolutionPeriodOver.selector, 1, block.timestamp));
        ledger.rule(1, true);
        ledger.execute(1);
        assertEq(open.balanceOf(challenger), DISPUTE_BOND);
        assertEq(ledger.claim(alice, 10 ether, _proof(accounts, amounts, 0)), 10 ether);
    }

    function test_RevertWhen_disputeOutsideWindowOrByStrangerRuling() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 1 ether, bob, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 1 ether)));
        uint64 endsAt = uint64(block.timestamp + LEDGER_WINDOW);
        vm.warp(endsAt);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerChallengeWindowClosed.selector, 1, endsAt));
        ledger.dispute(1, "");
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.LedgerEpochNotPending.selector, 2, IUsageLedger.EpochStatus.None)
        );
        ledger.dispute(2, "");
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerNoOpenDispute.selector, 1));
        ledger.rule(1, true);
    }

    function test_RevertWhen_strangerRules() public {
        _disputed();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerCallerNotJudge.selector, alice));
        ledger.rule(1, true);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    function test_RevertWhen_parametersOutOfBounds() public {
        IUsageLedger.Parameters memory p = _ledgerParameters();
        p.challengeWindow = UNBONDING_DELAY;
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerParametersOutOfBounds.selector, p, UNBONDING_DELAY));
        ledger.setParameters(p);
        p = _ledgerParameters();
        p.withdrawalDelay = p.challengeWindow;
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerParametersOutOfBounds.selector, p, UNBONDING_DELAY));
        ledger.setParameters(p);
    }

    function test_setParameters_byOwner() public {
        IUsageLedger.Parameters memory p = _ledgerParameters();
        p.disputeBond = 7 ether;
        vm.expectEmit(address(ledger));
        emit IUsageLedger.ParametersSet(p);
        vm.prank(governance);
        ledger.setParameters(p);
        assertEq(ledger.parameters().disputeBond, 7 ether);
    }

    function test_keeperRegistry_ledgerOnlySlashesAndFreezesWhenSet() public {
        vm.prank(governance);
        keepers.setLedger(address(0));
        vm.prank(address(ledger));
        vm.expectRevert(abi.encodeWithSelector(IKeeperRegistry.KeeperCallerNotSlasher.selector, address(ledger)));
        keepers.slashDisputed(keeperAddrs[0], address(0));
    }

    function testFuzz_claim_paysExactlyTheLeaf(uint96 x, uint96 y) public {
        vm.assume(x != 0 && uint256(x) + y <= DEPOSIT);
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, x, bob, y);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], uint256(x) + y)));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        assertEq(ledger.claim(alice, x, _proof(accounts, amounts, 0)), x);
        assertEq(open.balanceOf(alice), x);
    }
}
