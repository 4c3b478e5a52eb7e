// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

import {UsageLedger} from "../../contracts/UsageLedger.sol";
import {IUsageLedger} from "../../contracts/interfaces/IUsageLedger.sol";
import {CumulativeTree} from "../utils/CumulativeTree.sol";

/// @notice Drives the ledger with deposits, withdrawals, served-and-settled epochs (honest, or with leaves that pay
/// more than was spent) and claims, and keeps ghost totals of what entered and left it.
contract UsageLedgerHandler is Test {
    UsageLedger internal immutable ledger;
    IERC20 internal immutable token;
    address[] internal requesters;
    uint256[] internal requesterKeys;
    address[] internal keepers;
    uint256[] internal keeperKeys;
    address[] internal earners;

    /// @dev Cumulative leaves of every submitted epoch, for claim proofs.
    mapping(uint64 epoch => uint256[]) internal _amounts;
    uint256[] internal _honest;

    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostClaimed;

    constructor(
        UsageLedger ledger_,
        address[] memory requesters_,
        uint256[] memory requesterKeys_,
        address[] memory keepers_,
        uint256[] memory keeperKeys_,
        address[] memory earners_
    ) {
        ledger = ledger_;
        token = IERC20(ledger_.token());
        (requesters, requesterKeys, keepers, keeperKeys, earners) =
        (requesters_, requesterKeys_, keepers_, keeperKeys_, earners_);
        _honest = new uint256[](earners_.length);
    }

    function deposit(uint256 who, uint256 amount) external {
        address account = requesters[who % requesters.length];
        amount = bound(amount, 1, 100 ether);
        vm.prank(account);
        ledger.deposit(amount);
        ghostDeposited += amount;
    }

    function requestWithdrawal(uint256 who, uint256 amount) external {
        vm.prank(requesters[who % requesters.length]);
        ledger.requestWithdrawal(bound(amount, 0, 200 ether));
    }

    function withdraw(uint256 who) external {
        address account = requesters[who % requesters.length];
        (uint256 amount, uint64 unlockAt) = ledger.pendingWithdrawal(account);
        if (amount == 0) return;
        if (block.timestamp < unlockAt) vm.warp(unlockAt);
        vm.prank(account);
        ghostWithdrawn += ledger.withdraw();
    }

    /// @dev One epoch: a requester served `spend` by a keeper, the debit split among earners; `inflate` makes the
    /// root pay an earner more than the epoch's spend, as a colluding quorum would.
    function settle(uint256 who, uint256 keeperSeed, uint256 spend, uint256 split, uint256 inflate) external {
        uint64 latest = ledger.epochCount();
        IUsageLedger.Epoch memory previous = ledger.getEpoch(latest);
        if (previous.status == IUsageLedger.EpochStatus.Pending && block.timestamp < previous.challengeEndsAt) {
            vm.warp(previous.challengeEndsAt);
        }
        uint256 r = who % requesters.length;
        address keeper = keepers[keeperSeed % keepers.length];
        spend = bound(spend, 1, 150 ether);
        uint256 settled = ledger.settledSpend(requesters[r], keeper);
        uint256 balance = ledger.balanceOf(requesters[r]);
        uint256 debit = spend < balance ? spend : balance;

        IUsageLedger.Voucher[] memory vouchers = new IUsageLedger.Voucher[](1);
        vouchers[0] = IUsageLedger.Voucher(requesters[r], keeper, settled + spend, uint64(block.timestamp + 1 hours));
        bytes[] memory voucherSigs = new bytes[](1);
        voucherSigs[0] = _sign(requesterKeys[r], ledger.hashVoucher(vouchers[0]));

        uint256 first = debit * (split % 101) / 100;
        _honest[split % earners.length] += first;
        _honest[(split + 1) % earners.length] += debit - first;
        uint256[] memory amounts = new uint256[](earners.length);
        for (uint256 i; i < amounts.length; ++i) {
            amounts[i] = _honest[i];
        }
        if (inflate % 3 == 0) amounts[inflate % amounts.length] += bound(inflate, 1, 1000 ether);

        IUsageLedger.EpochReport memory report = IUsageLedger.EpochReport({
            epoch: latest + 1,
            root: CumulativeTree.root(earners, amounts),
            cumulativeTotal: ledger.totalSpent() + debit,
            spend: debit,
            calls: 1,
            dataURI: "",
            vouchers: vouchers
        });
        bytes32 digest = ledger.hashEpochReport(report);
        bytes[] memory sigs = new bytes[](keeperKeys.length);
        for (uint256 i; i < sigs.length; ++i) {
            sigs[i] = _sign(keeperKeys[i], digest);
        }
        ledger.submitEpoch(report, voucherSigs, sigs);
        _amounts[report.epoch] = amounts;
    }

    function claim(uint256 earnerSeed, bool wait) external {
        if (wait) vm.warp(block.timestamp + ledger.parameters().challengeWindow);
        (uint64 epoch,,) = ledger.claimableRoot();
        if (epoch == 0) return;
        uint256 index = earnerSeed % earners.length;
        uint256[] memory amounts = _amounts[epoch];
        try ledger.claim(earners[index], amounts[index], CumulativeTree.proof(earners, amounts, index)) returns (
            uint256 paid
        ) {
            ghostClaimed += paid;
        } catch {}
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}
