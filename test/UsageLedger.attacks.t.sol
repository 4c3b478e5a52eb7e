// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IUsageLedger} from "../contracts/interfaces/IUsageLedger.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";

/// @notice Each test performs an attack on the ledger with the real contracts and shows that it fails.
contract UsageLedgerAttacksTest is LedgerFixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal mallory = makeAddr("mallory");

    /// @dev A colluding quorum declares a spend larger than the vouchers it shows.
    function test_attack_quorumDeclaresMoreThanVouchersSpent() public {
        IUsageLedger.Voucher[] memory vouchers = _one(_voucher(requester, keeperAddrs[0], 10 ether));
        (address[] memory accounts, uint256[] memory amounts) = _pair(mallory, 500 ether, alice, 0);
        IUsageLedger.EpochReport memory report = _report(_root(accounts, amounts), 500 ether, vouchers);
        bytes[] memory vs = _voucherSignatures(vouchers);
        bytes[] memory ks = _epochSignatures(report, 3);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerSpendMismatch.selector, 500 ether, 10 ether));
        ledger.submitEpoch(report, vs, ks);
    }

    /// @dev The spend matches the vouchers but the cumulative total claims more than was ever debited.
    function test_attack_quorumInflatesCumulativeTotal() public {
        IUsageLedger.Voucher[] memory vouchers = _one(_voucher(requester, keeperAddrs[0], 10 ether));
        (address[] memory accounts, uint256[] memory amounts) = _pair(mallory, 1500 ether, alice, 0);
        IUsageLedger.EpochReport memory report = _report(_root(accounts, amounts), 10 ether, vouchers);
        report.cumulativeTotal = 1500 ether;
        bytes[] memory vs = _voucherSignatures(vouchers);
        bytes[] memory ks = _epochSignatures(report, 3);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.LedgerCumulativeTotalMismatch.selector, 1500 ether, 10 ether)
        );
        ledger.submitEpoch(report, vs, ks);
    }

    /// @dev Totals are honest but the root's leaves pay more than the total (nobody disputed it): claims stop at
    /// the total, so the ledger never pays out more than requesters were debited.
    function test_attack_rootLeavesSumPastTotal() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(mallory, 10 ether, alice, 10 ether);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        ledger.claim(mallory, 10 ether, _proof(accounts, amounts, 0));
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.LedgerClaimExceedsTotal.selector, 10 ether, 10 ether, 10 ether)
        );
        ledger.claim(alice, 10 ether, _proof(accounts, amounts, 1));
        assertEq(open.balanceOf(address(ledger)), 2 * DEPOSIT - 10 ether, "deposits less the debited spend");
    }

    /// @dev A leaf larger than the whole total cannot be claimed at all.
    function test_attack_leafLargerThanTotal() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(mallory, 1500 ether, alice, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        bytes32[] memory proof = _proof(accounts, amounts, 0);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerClaimExceedsTotal.selector, 1500 ether, 0, 10 ether));
        ledger.claim(mallory, 1500 ether, proof);
    }

    /// @dev A keeper settles the same voucher twice, or an older one after a newer.
    function test_attack_replayedVoucher() public {
        IUsageLedger.Voucher memory v = _voucher(requester, keeperAddrs[0], 10 ether);
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 10 ether, bob, 0);
        _settle(accounts, amounts, _one(v));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        IUsageLedger.EpochReport memory report = _report(_root(accounts, amounts), 10 ether, _one(v));
        bytes[] memory vs = _voucherSignatures(report.vouchers);
        bytes[] memory ks = _epochSignatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerVoucherReplayed.selector, 0, 10 ether, 10 ether));
        ledger.submitEpoch(report, vs, ks);

        // Twice in one report: the second copy is the replay.
        IUsageLedger.Voucher[] memory twice = new IUsageLedger.Voucher[](2);
        twice[0] = _voucher(requester, keeperAddrs[0], 12 ether);
        twice[1] = twice[0];
        report = _report(_root(accounts, amounts), 4 ether, twice);
        vs = _voucherSignatures(twice);
        ks = _epochSignatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerVoucherReplayed.selector, 1, 12 ether, 12 ether));
        ledger.submitEpoch(report, vs, ks);
    }

    function test_attack_expiredVoucher() public {
        IUsageLedger.Voucher memory v = _voucher(requester, keeperAddrs[0], 10 ether);
        v.expiry = uint64(block.timestamp - 1);
        IUsageLedger.EpochReport memory report = _report(bytes32(uint256(1)), 10 ether, _one(v));
        bytes[] memory vs = _voucherSignatures(report.vouchers);
        bytes[] memory ks = _epochSignatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerVoucherExpired.selector, 0, v.expiry));
        ledger.submitEpoch(report, vs, ks);
    }

    /// @dev A keeper forges a voucher (signed by someone else) to spend a requester's deposit.
    function test_attack_forgedVoucher() public {
        IUsageLedger.Voucher memory v = _voucher(requester, keeperAddrs[0], 900 ether);
        IUsageLedger.EpochReport memory report = _report(bytes32(uint256(1)), 900 ether, _one(v));
        bytes[] memory vs = new bytes[](1);
        vs[0] = _signVoucher(requesterBKey, v);
        bytes[] memory ks = _epochSignatures(report, 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerInvalidVoucherSignature.selector, 0, requesterB));
        ledger.submitEpoch(report, vs, ks);
    }

    /// @dev A voucher signed for another ledger (another verifying contract) does not settle here.
    function test_attack_voucherFromAnotherDeployment() public {
        IUsageLedger.Voucher memory v = _voucher(requester, keeperAddrs[0], 9 ether);
        bytes32 otherDomain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("PayableAI UsageLedger"),
                keccak256("1"),
                block.chainid,
                address(0xdead)
            )
        );
        bytes memory sig = _sign(
            requesterKey,
            keccak256(abi.encodePacked("\x19\x01", otherDomain, vm.eip712HashStruct(VOUCHER_TYPE, abi.encode(v))))
        );
        IUsageLedger.EpochReport memory report = _report(bytes32(uint256(1)), 9 ether, _one(v));
        bytes[] memory vs = new bytes[](1);
        vs[0] = sig;
        bytes[] memory ks = _epochSignatures(report, 2);
        vm.expectPartialRevert(IUsageLedger.LedgerInvalidVoucherSignature.selector);
        ledger.submitEpoch(report, vs, ks);
    }

    /// @dev The requester, served 300 OPEN of calls, asks to withdraw everything at once: the delay lets the keepers
    /// settle first, and the withdrawal pays only what is left.
    function test_attack_requesterWithdrawsUnderServedVouchers() public {
        IUsageLedger.Voucher memory v = _voucher(requester, keeperAddrs[0], 300 ether);
        vm.prank(requester);
        uint64 unlockAt = ledger.requestWithdrawal(DEPOSIT);
        assertEq(ledger.availableBalance(requester), 0, "keepers stop serving against it");
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerWithdrawalLocked.selector, requester, unlockAt));
        ledger.withdraw();

        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 300 ether, bob, 0);
        _settle(accounts, amounts, _one(v));
        vm.warp(unlockAt);
        uint256 before = open.balanceOf(requester);
        vm.prank(requester);
        assertEq(ledger.withdraw(), DEPOSIT - 300 ether);
        assertEq(open.balanceOf(requester), before + DEPOSIT - 300 ether);
        assertEq(ledger.claim(alice, 300 ether, _proof(accounts, amounts, 0)), 300 ether);
    }

    /// @dev A requester served calls disputes the pending epoch (or waits for someone to) so that settlement stalls,
    /// hoping its withdrawal unlocks first: no withdrawal completes while an epoch is disputed.
    function test_attack_withdrawWhileDisputeStallsSettlement() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 10 ether, bob, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        vm.prank(requester);
        uint64 unlockAt = ledger.requestWithdrawal(DEPOSIT);
        _fund(requester, DISPUTE_BOND, address(ledger));
        vm.prank(requester);
        ledger.dispute(1, "blob://stall");
        vm.warp(unlockAt);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerEpochDisputed.selector, 1));
        ledger.withdraw();

        // Rejected: the vouchers served meanwhile settle first, then the withdrawal pays what is left.
        vm.prank(guardian);
        ledger.rule(1, false);
        vm.warp(block.timestamp + APPEAL_WINDOW);
        ledger.execute(1);
        (accounts, amounts) = _pair(alice, 30 ether, bob, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 30 ether)));
        vm.prank(requester);
        assertEq(ledger.withdraw(), DEPOSIT - 30 ether);
    }

    function test_attack_doubleClaim() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 7 ether, bob, 3 ether);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        bytes32[] memory proof = _proof(accounts, amounts, 0);
        ledger.claim(alice, 7 ether, proof);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerNothingToClaim.selector, alice, 7 ether, 7 ether));
        ledger.claim(alice, 7 ether, proof);
        // An old, smaller leaf from an earlier tree is no better.
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerInvalidProof.selector, 1, alice, 1 ether));
        ledger.claim(alice, 1 ether, proof);
        assertEq(open.balanceOf(alice), 7 ether);
    }

    /// @dev A quorum posts a root paying mallory everything; it is disputed in its window. Claims against it fail
    /// while disputed and after it is voided; claims keep using the previous root.
    function test_attack_claimAgainstChallengedRoot() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 10 ether, bob, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        vm.warp(block.timestamp + LEDGER_WINDOW);

        (address[] memory bad, uint256[] memory badAmounts) = _pair(mallory, 20 ether, alice, 0);
        _settle(bad, badAmounts, _one(_voucher(requester, keeperAddrs[0], 20 ether)));
        _fund(challenger, DISPUTE_BOND, address(ledger));
        vm.prank(challenger);
        ledger.dispute(2, "blob://evidence");
        vm.warp(block.timestamp + LEDGER_WINDOW);

        bytes32[] memory badProof = _proof(bad, badAmounts, 0);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerInvalidProof.selector, 1, mallory, 20 ether));
        ledger.claim(mallory, 20 ether, badProof);

        vm.prank(guardian);
        ledger.rule(2, true);
        vm.warp(block.timestamp + APPEAL_WINDOW);
        ledger.execute(2);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerInvalidProof.selector, 1, mallory, 20 ether));
        ledger.claim(mallory, 20 ether, badProof);
        assertEq(open.balanceOf(mallory), 0);
        // The honest earner of epoch 1 is paid meanwhile.
        assertEq(ledger.claim(alice, 10 ether, _proof(accounts, amounts, 0)), 10 ether);
    }

    /// @dev Mallory disputes an honest root to delay settlement: the dispute is rejected and the bond is lost.
    function test_attack_griefingDisputeLosesBond() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 10 ether, bob, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        _fund(mallory, DISPUTE_BOND, address(ledger));
        vm.prank(mallory);
        ledger.dispute(1, "blob://nonsense");
        uint256 treasuryBefore = open.balanceOf(treasury);
        uint256 submitterBefore = open.balanceOf(address(this));

        vm.prank(guardian);
        ledger.rule(1, false);
        vm.warp(block.timestamp + APPEAL_WINDOW);
        vm.expectEmit(address(ledger));
        emit IUsageLedger.DisputeBondForfeited(1, address(this), DISPUTE_BOND / 2, DISPUTE_BOND / 2);
        ledger.execute(1);

        assertEq(open.balanceOf(mallory), 0);
        assertEq(open.balanceOf(treasury), treasuryBefore + DISPUTE_BOND / 2);
        assertEq(open.balanceOf(address(this)), submitterBefore + DISPUTE_BOND / 2);
        assertEq(ledger.claim(alice, 10 ether, _proof(accounts, amounts, 0)), 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerNoOpenDispute.selector, 1));
        ledger.execute(1);
    }

    /// @dev Mallory copies alice's pending claim from the mempool: the payment still goes to alice, and alice's own
    /// transaction then has nothing left to do.
    function test_attack_frontRunClaim() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(alice, 10 ether, bob, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        bytes32[] memory proof = _proof(accounts, amounts, 0);
        vm.prank(mallory);
        ledger.claim(alice, 10 ether, proof);
        assertEq(open.balanceOf(alice), 10 ether);
        assertEq(open.balanceOf(mallory), 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerNothingToClaim.selector, alice, 10 ether, 10 ether));
        ledger.claim(alice, 10 ether, proof);
    }

    /// @dev A voided report cannot be submitted again: its epoch number is spent.
    function test_attack_resubmitVoidedReport() public {
        (address[] memory bad, uint256[] memory badAmounts) = _pair(mallory, 10 ether, alice, 0);
        IUsageLedger.EpochReport memory report =
            _settle(bad, badAmounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        bytes[] memory ks = _epochSignatures(report, 2);
        _fund(challenger, DISPUTE_BOND, address(ledger));
        vm.prank(challenger);
        ledger.dispute(1, "blob://evidence");
        vm.prank(governance);
        ledger.rule(1, true);
        ledger.execute(1);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerWrongEpoch.selector, 2, 1));
        ledger.submitEpoch(report, _voucherSignatures(report.vouchers), ks);
    }

    /// @dev A quorum posts the next epoch while the previous one is disputed, to build on it: refused.
    function test_attack_buildOnDisputedEpoch() public {
        (address[] memory accounts, uint256[] memory amounts) = _pair(mallory, 10 ether, alice, 0);
        _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 10 ether)));
        _fund(challenger, DISPUTE_BOND, address(ledger));
        vm.prank(challenger);
        ledger.dispute(1, "blob://evidence");
        vm.warp(block.timestamp + LEDGER_WINDOW);
        IUsageLedger.EpochReport memory next =
            _report(_root(accounts, amounts), 1 ether, _one(_voucher(requester, keeperAddrs[0], 11 ether)));
        bytes[] memory vs = _voucherSignatures(next.vouchers);
        bytes[] memory ks = _epochSignatures(next, 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.LedgerEpochDisputed.selector, 1));
        ledger.submitEpoch(next, vs, ks);
    }
}
