// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {UsageLedger} from "../../contracts/UsageLedger.sol";
import {IUsageLedger} from "../../contracts/interfaces/IUsageLedger.sol";
import {CumulativeTree} from "./CumulativeTree.sol";
import {ProtocolFixture} from "./ProtocolFixture.sol";

/// @notice The protocol fixture plus a UsageLedger wired to its keeper registry (as Deploy.s.sol wires it), two
/// funded requesters, and helpers that sign vouchers and epoch reports and build the StandardMerkleTree of
/// cumulative earnings the keepers publish.
abstract contract LedgerFixture is ProtocolFixture {
    string internal constant VOUCHER_TYPE =
        "Voucher(address requester,address keeper,uint256 cumulativeSpend,uint64 expiry)";
    string internal constant EPOCH_REPORT_TYPE =
        "EpochReport(uint64 epoch,bytes32 root,uint256 cumulativeTotal,uint256 spend,uint64 calls,string dataURI,Voucher[] vouchers)Voucher(address requester,address keeper,uint256 cumulativeSpend,uint64 expiry)";

    uint64 internal constant LEDGER_WINDOW = 1 hours;
    uint64 internal constant WITHDRAWAL_DELAY = 1 days;
    uint256 internal constant DISPUTE_BOND = 50 ether;
    uint64 internal constant RESOLUTION_PERIOD = 3 days;
    uint64 internal constant APPEAL_WINDOW = 1 days;
    uint256 internal constant DEPOSIT = 1000 ether;

    UsageLedger internal ledger;
    address internal guardian = makeAddr("guardian");
    address internal requesterB;
    uint256 internal requesterKey;
    uint256 internal requesterBKey;

    function setUp() public virtual override {
        super.setUp();
        ledger = new UsageLedger(
            address(open), address(keepers), address(models), governance, treasury, guardian, _ledgerParameters()
        );
        vm.prank(governance);
        keepers.setLedger(address(ledger));
        (requester, requesterKey) = makeAddrAndKey("ledgerRequester");
        (requesterB, requesterBKey) = makeAddrAndKey("ledgerRequesterB");
        _fund(requester, 10 * DEPOSIT, address(ledger));
        _fund(requesterB, 10 * DEPOSIT, address(ledger));
        vm.prank(requester);
        ledger.deposit(DEPOSIT);
        vm.prank(requesterB);
        ledger.deposit(DEPOSIT);
    }

    function _ledgerParameters() internal pure returns (IUsageLedger.Parameters memory) {
        return IUsageLedger.Parameters({
            challengeWindow: LEDGER_WINDOW,
            withdrawalDelay: WITHDRAWAL_DELAY,
            disputeBond: DISPUTE_BOND,
            resolutionPeriod: RESOLUTION_PERIOD,
            appealWindow: APPEAL_WINDOW
        });
    }

    // ─── Vouchers ─────────────────────────────────────────────────────────────

    function _domainSeparator() internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("PayableAI UsageLedger"),
                keccak256("1"),
                block.chainid,
                address(ledger)
            )
        );
    }

    function _voucher(address who, address keeper, uint256 cumulativeSpend)
        internal
        view
        returns (IUsageLedger.Voucher memory)
    {
        return IUsageLedger.Voucher(who, keeper, cumulativeSpend, uint64(block.timestamp + 1 days));
    }

    function _signVoucher(uint256 key, IUsageLedger.Voucher memory v) internal view returns (bytes memory) {
        bytes32 digest = keccak256(
            abi.encodePacked("\x19\x01", _domainSeparator(), vm.eip712HashStruct(VOUCHER_TYPE, abi.encode(v)))
        );
        return _sign(key, digest);
    }

    function _keyOf(address who) internal view returns (uint256) {
        if (who == requester) return requesterKey;
        if (who == requesterB) return requesterBKey;
        revert("unknown requester");
    }

    function _voucherSignatures(IUsageLedger.Voucher[] memory vouchers) internal view returns (bytes[] memory sigs) {
        sigs = new bytes[](vouchers.length);
        for (uint256 i; i < vouchers.length; ++i) {
            sigs[i] = _signVoucher(_keyOf(vouchers[i].requester), vouchers[i]);
        }
    }

    function _one(IUsageLedger.Voucher memory v) internal pure returns (IUsageLedger.Voucher[] memory vouchers) {
        vouchers = new IUsageLedger.Voucher[](1);
        vouchers[0] = v;
    }

    // ─── Reports ──────────────────────────────────────────────────────────────

    function _epochDigest(IUsageLedger.EpochReport memory report) internal view returns (bytes32) {
        return keccak256(
            abi.encodePacked("\x19\x01", _domainSeparator(), vm.eip712HashStruct(EPOCH_REPORT_TYPE, abi.encode(report)))
        );
    }

    /// @dev Signatures of the `count` lowest fixture keepers, ascending.
    function _epochSignatures(IUsageLedger.EpochReport memory report, uint256 count)
        internal
        view
        returns (bytes[] memory signatures)
    {
        bytes32 digest = _epochDigest(report);
        signatures = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            signatures[i] = _sign(keeperKeys[i], digest);
        }
    }

    function _report(bytes32 root, uint256 spend, IUsageLedger.Voucher[] memory vouchers)
        internal
        view
        returns (IUsageLedger.EpochReport memory)
    {
        return IUsageLedger.EpochReport({
            epoch: ledger.epochCount() + 1,
            root: root,
            cumulativeTotal: ledger.totalSpent() + spend,
            spend: spend,
            calls: uint64(vouchers.length),
            dataURI: "blob://epoch",
            vouchers: vouchers
        });
    }

    function _submitEpoch(IUsageLedger.EpochReport memory report) internal returns (bytes32) {
        return ledger.submitEpoch(report, _voucherSignatures(report.vouchers), _epochSignatures(report, 2));
    }

    /// @dev Submits an honest epoch paying `accounts` their cumulative `amounts` (which must sum to the ledger's
    /// total after `vouchers`), spent by `vouchers`.
    function _settle(address[] memory accounts, uint256[] memory amounts, IUsageLedger.Voucher[] memory vouchers)
        internal
        returns (IUsageLedger.EpochReport memory report)
    {
        uint256 spend;
        for (uint256 i; i < vouchers.length; ++i) {
            spend += vouchers[i].cumulativeSpend - ledger.settledSpend(vouchers[i].requester, vouchers[i].keeper);
        }
        report = _report(_root(accounts, amounts), spend, vouchers);
        _submitEpoch(report);
    }

    // ─── Merkle tree ──────────────────────────────────────────────────────────

    function _root(address[] memory accounts, uint256[] memory amounts) internal pure returns (bytes32) {
        return CumulativeTree.root(accounts, amounts);
    }

    function _proof(address[] memory accounts, uint256[] memory amounts, uint256 index)
        internal
        pure
        returns (bytes32[] memory)
    {
        return CumulativeTree.proof(accounts, amounts, index);
    }

    function _pair(address a, uint256 x, address b, uint256 y)
        internal
        pure
        returns (address[] memory accounts, uint256[] memory amounts)
    {
        accounts = new address[](2);
        amounts = new uint256[](2);
        (accounts[0], accounts[1], amounts[0], amounts[1]) = (a, b, x, y);
    }
}
