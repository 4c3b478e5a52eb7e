// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket} from "../interfaces/IInferenceMarket.sol";

/// @title AttributionReportLib
/// @notice EIP-712 struct hashing of `AttributionReport`, matching the type definitions in the SDK
/// (`sdk/src/eip712.ts`): the array of `Attribution` structs is hashed as the keccak256 of the concatenated
/// struct hashes and the output URI as the keccak256 of its bytes, as wallets and viem `signTypedData` do. The
/// report's `executor` is not part of what keepers sign: the market's schedule decides it, so every scheduled
/// keeper can submit the one answer the quorum signed.
library AttributionReportLib {
    bytes32 internal constant ATTRIBUTION_TYPEHASH = keccak256("Attribution(uint256 contributionId,uint16 weightBps)");

    bytes32 internal constant ATTRIBUTION_REPORT_TYPEHASH = keccak256(
        "AttributionReport(uint256 requestId,uint16 round,uint256 modelId,bytes32 outputHash,string outputURI,uint32 attributionVersion,Attribution[] attributions)Attribution(uint256 contributionId,uint16 weightBps)"
    );

    /// @notice The EIP-712 struct hash of `report` (`hashStruct`, before domain separation).
    /// @param report The report.
    /// @return The struct hash.
    function hash(IInferenceMarket.AttributionReport calldata report) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                ATTRIBUTION_REPORT_TYPEHASH,
                report.requestId,
                report.round,
                report.modelId,
                report.outputHash,
                keccak256(bytes(report.outputURI)),
                report.attributionVersion,
                hashAttributions(report.attributions)
            )
        );
    }

    /// @notice The EIP-712 encoding of an `Attribution[]` member: keccak256 of the concatenated struct hashes.
    /// @param attributions The attributions.
    /// @return The array hash.
    function hashAttributions(IInferenceMarket.Attribution[] calldata attributions) internal pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](attributions.length);
        for (uint256 i; i < attributions.length; ++i) {
            hashes[i] =
                keccak256(abi.encode(ATTRIBUTION_TYPEHASH, attributions[i].contributionId, attributions[i].weightBps));
        }
        return keccak256(abi.encodePacked(hashes));
    }
}
