// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {console} from "forge-std/Test.sol";

import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {ProtocolFixture} from "./utils/ProtocolFixture.sol";

/// @notice Gas of the market's hot paths for the README table. Preparation runs unmetered; every protocol
/// contract is then marked cold so the measured call pays for its storage as a fresh transaction would. The
/// printed figure is the execution gas of the call (no 21,000 base cost, no calldata).
contract InferenceMarketGasTest is ProtocolFixture {
    function _cool() internal {
        vm.cool(address(open));
        vm.cool(address(datanets));
        vm.cool(address(models));
        vm.cool(address(votes));
        vm.cool(address(keepers));
        vm.cool(address(vault));
        vm.cool(address(market));
    }

    function test_gas_requestInference() public {
        vm.pauseGasMetering();
        _request(); // the first request also pays for the counter's zero-to-non-zero write
        _cool();
        vm.resumeGasMetering();
        vm.prank(requester);
        uint256 before = gasleft();
        market.requestInference(modelId, keccak256("input"), "blob://input", PRICE);
        console.log("requestInference", before - gasleft());
    }

    function _measureReport(uint256 attributions, uint256 quorum) internal {
        vm.pauseGasMetering();
        if (quorum != 2) {
            vm.prank(governance);
            keepers.setQuorum(quorum);
        }
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, attributions);
        bytes[] memory signatures = _signatures(report, quorum);
        _cool();
        vm.resumeGasMetering();
        uint256 before = gasleft();
        market.submitReport(report, signatures);
        console.log(string.concat("submitReport attributions=", vm.toString(attributions), " quorum="), quorum);
        console.log("  gas", before - gasleft());
    }

    function test_gas_submitReport_1_quorum2() public {
        _measureReport(1, 2);
    }

    function test_gas_submitReport_8_quorum2() public {
        _measureReport(8, 2);
    }

    function test_gas_submitReport_32_quorum2() public {
        _measureReport(32, 2);
    }

    function test_gas_submitReport_1_quorum3() public {
        _measureReport(1, 3);
    }

    function test_gas_submitReport_8_quorum3() public {
        _measureReport(8, 3);
    }

    function test_gas_submitReport_32_quorum3() public {
        _measureReport(32, 3);
    }

    function _measureFinalize(uint256 count) internal {
        vm.pauseGasMetering();
        // One settled request first, so payees already hold votes (steady state, not first-mint delegation).
        (uint256 warmup,) = _reported(4);
        uint256[] memory ids = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            (ids[i],) = _reported(4);
        }
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(warmup);
        _cool();
        vm.resumeGasMetering();
        uint256 before = gasleft();
        market.finalize(ids);
        console.log(string.concat("finalize requests=", vm.toString(count), " (4 attributions each)"));
        console.log("  gas", before - gasleft());
    }

    function test_gas_finalize_1() public {
        _measureFinalize(1);
    }

    function test_gas_finalize_20() public {
        _measureFinalize(20);
    }

    function test_gas_finalize_1_firstEarnings() public {
        vm.pauseGasMetering();
        (uint256 requestId,) = _reported(4);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        uint256[] memory ids = new uint256[](1);
        ids[0] = requestId;
        _cool();
        vm.resumeGasMetering();
        uint256 before = gasleft();
        market.finalize(ids);
        console.log("finalize requests=1, payees earning for the first time");
        console.log("  gas", before - gasleft());
    }

    /// @dev The worst case per request: the most attributions a report may carry, each to a different payee
    /// earning for the first time (a vault balance and a votes checkpoint created per payee).
    function test_gas_finalize_1_32DistinctFirstPayees() public {
        vm.pauseGasMetering();
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](32);
        for (uint256 i; i < 32; ++i) {
            address payee = makeAddr(string.concat("payee", vm.toString(i)));
            _fund(payee, BOND, address(datanets));
            vm.prank(payee);
            uint256 id = datanets.contribute(datanetId, keccak256(abi.encode("distinct", i)), "blob://c");
            vm.prank(datanetOwner);
            datanets.acceptContribution(id);
            attributions[i] = IInferenceMarket.Attribution(id, 300);
        }
        uint256 requestId = _request();
        _submit(_report(requestId, attributions));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        uint256[] memory ids = new uint256[](1);
        ids[0] = requestId;
        _cool();
        vm.resumeGasMetering();
        uint256 before = gasleft();
        market.finalize(ids);
        console.log("finalize requests=1, 32 attributions to 32 payees earning for the first time");
        console.log("  gas", before - gasleft());
    }

    function test_gas_claim() public {
        vm.pauseGasMetering();
        (uint256 requestId,) = _reported(4);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        _finalizeOne(requestId);
        _cool();
        vm.resumeGasMetering();
        vm.prank(contributor);
        uint256 before = gasleft();
        vault.claim(contributor);
        console.log("claim", before - gasleft());
    }
}
