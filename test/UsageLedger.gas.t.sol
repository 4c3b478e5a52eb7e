// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {console} from "forge-std/Test.sol";

import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {IUsageLedger} from "../contracts/interfaces/IUsageLedger.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";

/// @notice Gas of batched epoch settlement against per-request settlement on the market, measured in one run.
/// Preparation runs unmetered; the contracts are then marked cold so each measured call pays for its storage as a
/// fresh transaction would. Figures are execution gas (no 21,000 base cost, no calldata), as the market's table.
/// `npm run gas:ledger` prints the table.
contract UsageLedgerGasTest is LedgerFixture {
    uint256 internal constant CHANNELS = 1000;
    uint256 internal constant CALL_COST = 0.01 ether;

    address[] internal payers;
    uint256[] internal payerKeys;
    /// @dev Cumulative spend of channel i (payer i with keeper 0).
    uint256[] internal spent;

    function _cool() internal {
        vm.cool(address(open));
        vm.cool(address(keepers));
        vm.cool(address(models));
        vm.cool(address(ledger));
        vm.cool(address(market));
        vm.cool(address(vault));
        vm.cool(address(votes));
        vm.cool(address(datanets));
    }

    /// @dev `count` payers with deposits, each channel settled once already (steady state: no zero-to-non-zero
    /// writes for a channel that spent before).
    function _channels(uint256 count) internal {
        _fund(address(this), count * 100 ether, address(ledger));
        IUsageLedger.Voucher[] memory vouchers = new IUsageLedger.Voucher[](count);
        bytes[] memory sigs = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            (address payer, uint256 key) = makeAddrAndKey(string.concat("payer", vm.toString(i)));
            payers.push(payer);
            payerKeys.push(key);
            spent.push(CALL_COST);
            ledger.depositFor(payer, 100 ether);
            vouchers[i] = _voucher(payer, keeperAddrs[0], CALL_COST);
            sigs[i] = _signVoucher(key, vouchers[i]);
        }
        IUsageLedger.EpochReport memory report = _report(bytes32(uint256(1)), count * CALL_COST, vouchers);
        ledger.submitEpoch(report, sigs, _epochSignatures(report, 2));
    }

    /// @dev Submits one epoch of `calls` calls spread over `channelCount` channels, and returns its gas.
    function _measureEpoch(uint256 calls, uint256 channelCount) internal returns (uint256 gas) {
        vm.warp(block.timestamp + LEDGER_WINDOW);
        IUsageLedger.Voucher[] memory vouchers = new IUsageLedger.Voucher[](channelCount);
        bytes[] memory sigs = new bytes[](channelCount);
        uint256 spend;
        for (uint256 i; i < channelCount; ++i) {
            // Each channel takes its share of the calls; the first ones take the remainder.
            uint256 share = calls / channelCount + (i < calls % channelCount ? 1 : 0);
            spent[i] += share * CALL_COST;
            spend += share * CALL_COST;
            vouchers[i] = _voucher(payers[i], keeperAddrs[0], spent[i]);
            sigs[i] = _signVoucher(payerKeys[i], vouchers[i]);
        }
        IUsageLedger.EpochReport memory report = _report(keccak256(abi.encode(calls, channelCount)), spend, vouchers);
        report.calls = uint64(calls);
        bytes[] memory keeperSigs = _epochSignatures(report, 2);
        _cool();
        vm.resumeGasMetering();
        uint256 before = gasleft();
        ledger.submitEpoch(report, sigs, keeperSigs);
        gas = before - gasleft();
        vm.pauseGasMetering();
    }

    function _measureSubmit(uint256 channelCount) internal {
        vm.pauseGasMetering();
        _channels(channelCount);
        uint256 gas = _measureEpoch(channelCount * 10, channelCount);
        console.log(string.concat("submitEpoch vouchers=", vm.toString(channelCount), " gas"), gas);
    }

    function test_gas_submitEpoch_1voucher() public {
        _measureSubmit(1);
    }

    function test_gas_submitEpoch_10vouchers() public {
        _measureSubmit(10);
    }

    function test_gas_submitEpoch_100vouchers() public {
        _measureSubmit(100);
    }

    function test_gas_deposit() public {
        vm.pauseGasMetering();
        _cool();
        vm.resumeGasMetering();
        vm.prank(requester);
        uint256 before = gasleft();
        ledger.deposit(1 ether);
        console.log("deposit", before - gasleft());
    }

    /// @dev A claim against a root of 4,096 earners (a 12-level proof), after another earner's claim (the ledger's
    /// claimed total is no longer zero, as in any running ledger).
    function _measureClaim(bool returning) internal returns (uint256 gas) {
        vm.pauseGasMetering();
        uint256 count = 4096;
        address[] memory accounts = new address[](count);
        uint256[] memory amounts = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            accounts[i] = address(uint160(0x10000 + i));
            amounts[i] = 1 ether;
        }
        uint256 index = 1234;
        if (returning) {
            amounts[index] = 0.5 ether;
            _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], 900 ether)));
            vm.warp(block.timestamp + LEDGER_WINDOW);
            ledger.claim(accounts[index], 0.5 ether, _proof(accounts, amounts, index));
            amounts[index] = 1 ether;
            uint256 more = (count - 1) * 1 ether + 1 ether - ledger.totalSpent();
            _fund(requesterB, 5000 ether, address(ledger));
            vm.prank(requesterB);
            ledger.deposit(5000 ether);
            _settle(accounts, amounts, _one(_voucher(requesterB, keeperAddrs[0], more)));
        } else {
            _fund(requester, 5000 ether, address(ledger));
            vm.prank(requester);
            ledger.deposit(5000 ether);
            _settle(accounts, amounts, _one(_voucher(requester, keeperAddrs[0], count * 1 ether)));
        }
        vm.warp(block.timestamp + LEDGER_WINDOW);
        if (!returning) ledger.claim(accounts[0], 1 ether, _proof(accounts, amounts, 0));
        bytes32[] memory proof = _proof(accounts, amounts, index);
        _cool();
        vm.resumeGasMetering();
        uint256 before = gasleft();
        ledger.claim(accounts[index], 1 ether, proof);
        gas = before - gasleft();
    }

    function test_gas_claim_firstClaim() public {
        console.log("claim, first claim, 4,096-leaf tree", _measureClaim(false));
    }

    function test_gas_claim_returningClaimant() public {
        console.log("claim, returning claimant, 4,096-leaf tree", _measureClaim(true));
    }

    // ─── The table ────────────────────────────────────────────────────────────

    /// @dev Per-request settlement on the market: request, report (4 attributions, 2 signers) and its share of a
    /// finalize batch of 20, payees already earning and totals non-zero (the market's cheapest steady state).
    function _perRequestSettlement() internal returns (uint256 requestGas, uint256 reportGas, uint256 finalizeGas) {
        _fund(requester, 1000 ether, address(market));
        (uint256 warmup,) = _reported(4);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(warmup);
        // A busy market always holds escrow and reported fees: one request stays reported, so the measured ones do
        // not pay the zero-to-non-zero writes of its totals.
        _reported(4);
        uint256[] memory ids = new uint256[](20);
        for (uint256 i; i < 20; ++i) {
            _cool();
            vm.prank(requester);
            vm.resumeGasMetering();
            uint256 before = gasleft();
            ids[i] = market.requestInference(modelId, keccak256("input"), "blob://input", PRICE);
            if (i == 0) requestGas = before - gasleft();
            vm.pauseGasMetering();
            IInferenceMarket.AttributionReport memory report = _report(ids[i], 4);
            bytes[] memory signatures = _signatures(report, 2);
            _cool();
            vm.resumeGasMetering();
            before = gasleft();
            market.submitReport(report, signatures);
            if (i == 0) reportGas = before - gasleft();
            vm.pauseGasMetering();
        }
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _cool();
        vm.resumeGasMetering();
        uint256 start = gasleft();
        market.finalize(ids);
        finalizeGas = (start - gasleft()) / 20;
        vm.pauseGasMetering();
    }

    /// @notice Gas per paid call at 1, 100, 1,000 and 10,000 calls per epoch, with 1, 10 and 100 calls per channel
    /// (requester and keeper) per epoch, against per-request settlement measured in the same run.
    function test_gas_table_perPaidCall() public {
        vm.pauseGasMetering();
        (uint256 requestGas, uint256 reportGas, uint256 finalizeGas) = _perRequestSettlement();
        uint256 perRequest = requestGas + reportGas + finalizeGas;
        console.log("per-request settlement on the market, gas per call:");
        console.log("  requestInference", requestGas);
        console.log("  submitReport (4 attributions, 2 signers)", reportGas);
        console.log("  finalize (share of a batch of 20)", finalizeGas);
        console.log("  total", perRequest);
        _channels(CHANNELS);
        console.log("epoch settlement on the UsageLedger (submitEpoch, 2 signers), gas per paid call:");
        console.log("  calls/epoch | calls/channel | vouchers | submitEpoch gas | gas/call | x less than per-request");
        uint256[4] memory callCounts = [uint256(1), 100, 1000, 10_000];
        uint256[3] memory perChannel = [uint256(1), 10, 100];
        for (uint256 c; c < 4; ++c) {
            for (uint256 p; p < 3; ++p) {
                uint256 calls = callCounts[c];
                uint256 channelCount = (calls + perChannel[p] - 1) / perChannel[p];
                if (channelCount > CHANNELS || (calls < perChannel[p] && p != 0)) continue;
                uint256 gas = _measureEpoch(calls, channelCount);
                uint256 perCall = gas / calls;
                console.log(
                    string.concat(
                        "  ",
                        vm.toString(calls),
                        " | ",
                        vm.toString(perChannel[p]),
                        " | ",
                        vm.toString(channelCount),
                        " | ",
                        vm.toString(gas),
                        " | ",
                        vm.toString(perCall),
                        " | ",
                        _ratio(perRequest, perCall)
                    )
                );
            }
        }
    }

    /// @dev `a / b` with one decimal.
    function _ratio(uint256 a, uint256 b) internal pure returns (string memory) {
        uint256 tenths = a * 10 / b;
        return string.concat(vm.toString(tenths / 10), ".", vm.toString(tenths % 10));
    }
}
