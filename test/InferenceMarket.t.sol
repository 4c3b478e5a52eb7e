// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {ProtocolFixture} from "./utils/ProtocolFixture.sol";

contract InferenceMarketTest is ProtocolFixture {
    function test_digest_matchesForgeEncoder() public {
        (uint256 requestId, IInferenceMarket.AttributionReport memory report) = _reported(3);
        assertEq(market.hashReport(report), _digest(report));
        assertEq(uint8(market.getRequest(requestId).status), uint8(IInferenceMarket.RequestStatus.Reported));
    }
}
