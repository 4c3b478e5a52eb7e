// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {AttributionReportLib} from "../contracts/libraries/AttributionReportLib.sol";
import {ProtocolFixture} from "./utils/ProtocolFixture.sol";

/// @dev Exposes the library's calldata hashing.
contract AttributionReportHasher {
    function hash(IInferenceMarket.AttributionReport calldata report) external pure returns (bytes32) {
        return AttributionReportLib.hash(report);
    }
}

/// @notice The market's EIP-712 digest against forge's own encoder, `vm.sign`, and the known-answer vector in
/// `test/vectors/attribution-report.json` that the SDK's tests check too.
contract InferenceMarketSignaturesTest is ProtocolFixture {
    string internal constant VECTOR = "test/vectors/attribution-report.json";

    function _vectorReport(string memory json)
        internal
        view
        returns (IInferenceMarket.AttributionReport memory report)
    {
        report.requestId = vm.parseJsonUint(json, ".report.requestId");
        report.round = uint16(vm.parseJsonUint(json, ".report.round"));
        report.modelId = vm.parseJsonUint(json, ".report.modelId");
        report.outputHash = vm.parseJsonBytes32(json, ".report.outputHash");
        report.outputURI = vm.parseJsonString(json, ".report.outputURI");
        report.executor = vm.parseJsonAddress(json, ".report.executor");
        report.attributionVersion = uint32(vm.parseJsonUint(json, ".report.attributionVersion"));
        uint256 count;
        while (vm.keyExistsJson(json, string.concat(".report.attributions[", vm.toString(count), "]"))) ++count;
        report.attributions = new IInferenceMarket.Attribution[](count);
        for (uint256 i; i < count; ++i) {
            string memory at = string.concat(".report.attributions[", vm.toString(i), "]");
            report.attributions[i] = IInferenceMarket.Attribution({
                contributionId: vm.parseJsonUint(json, string.concat(at, ".contributionId")),
                weightBps: uint16(vm.parseJsonUint(json, string.concat(at, ".weightBps")))
            });
        }
    }

    function test_typeHash_matchesCanonicalEncoding() public pure {
        assertEq(AttributionReportLib.ATTRIBUTION_REPORT_TYPEHASH, vm.eip712HashType(REPORT_TYPE));
        assertEq(
            AttributionReportLib.ATTRIBUTION_TYPEHASH,
            vm.eip712HashType("Attribution(uint256 contributionId,uint16 weightBps)")
        );
    }

    function test_knownAnswerVector() public {
        string memory json = vm.readFile(VECTOR);
        IInferenceMarket.AttributionReport memory report = _vectorReport(json);
        assertEq(report.attributions.length, 3);

        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(vm.parseJsonString(json, ".domain.name"))),
                keccak256(bytes(vm.parseJsonString(json, ".domain.version"))),
                vm.parseJsonUint(json, ".domain.chainId"),
                vm.parseJsonAddress(json, ".domain.verifyingContract")
            )
        );
        assertEq(domainSeparator, vm.parseJsonBytes32(json, ".domainSeparator"));
        bytes32 structHash = new AttributionReportHasher().hash(report);
        assertEq(structHash, vm.parseJsonBytes32(json, ".structHash"));
        assertEq(vm.eip712HashStruct(REPORT_TYPE, _signedFields(report)), structHash);
        bytes32 digest = vm.parseJsonBytes32(json, ".digest");
        assertEq(keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash)), digest);

        // The deployed market's code at the vector's address and chain produces the same digest.
        address at = vm.parseJsonAddress(json, ".domain.verifyingContract");
        vm.chainId(vm.parseJsonUint(json, ".domain.chainId"));
        vm.etch(at, address(market).code);
        assertEq(IInferenceMarket(at).hashReport(report), digest);
        assertEq(IInferenceMarket(at).domainSeparator(), domainSeparator);

        // vm.sign is deterministic (RFC 6979), like viem's signTypedData that produced the vector's signature.
        bytes memory signature = _sign(vm.parseJsonUint(json, ".signerPrivateKey"), digest);
        assertEq(signature, vm.parseJsonBytes(json, ".signature"));
        assertEq(vm.addr(vm.parseJsonUint(json, ".signerPrivateKey")), vm.parseJsonAddress(json, ".signer"));
    }

    function test_domain_followsErc5267() public view {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            InferenceMarketLike(address(market)).eip712Domain();
        assertEq(name, "PayableAI InferenceMarket");
        assertEq(version, "1");
        assertEq(chainId, block.chainid);
        assertEq(verifyingContract, address(market));
    }

    function testFuzz_hashReport_matchesForgeEncoder(
        uint256 requestId,
        bytes32 outputHash,
        string memory outputURI,
        uint32 version,
        uint256[] memory ids,
        uint16 weightSeed,
        uint16 round
    ) public view {
        vm.assume(ids.length <= 40);
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            attributions[i] =
                IInferenceMarket.Attribution(ids[i], uint16(uint256(keccak256(abi.encode(weightSeed, i)))));
        }
        IInferenceMarket.AttributionReport memory report = IInferenceMarket.AttributionReport({
            requestId: requestId,
            round: round,
            modelId: modelId,
            outputHash: outputHash,
            outputURI: outputURI,
            executor: keeperAddrs[1],
            attributionVersion: version,
            attributions: attributions
        });
        assertEq(market.hashReport(report), _digest(report));
    }

    function testFuzz_submitReport_acceptsVmSignedQuorum(bytes32 outputHash, uint16 weight) public {
        // A zero output hash declines the request, and a decline carries no attributions.
        vm.assume(outputHash != bytes32(0));
        weight = uint16(bound(weight, 1, 10_000));
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, _attributions(accepted[1], weight));
        report.outputHash = outputHash;
        report.executor = _warpToTurnOf(requestId, keeperAddrs[2]);
        bytes32 digest = _digest(report);
        bytes[] memory signatures = new bytes[](2);
        signatures[0] = _sign(keeperKeys[1], digest);
        signatures[1] = _sign(keeperKeys[2], digest);
        assertEq(market.submitReport(report, signatures), digest);
        assertEq(market.reportSigners(requestId)[1], keeperAddrs[2]);
    }

    function test_RevertWhen_signatureFromOtherChain() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        uint256 chainId = block.chainid;
        // Signed for the same market address on another chain: recovers to unrelated addresses.
        vm.chainId(chainId + 1);
        bytes[] memory signatures = _signatures(report, 2);
        vm.chainId(chainId);
        address unrelated = ECDSA.recover(_digest(report), signatures[0]);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketInactiveKeeper.selector, unrelated));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_signatureForOtherMarket() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        // The same report signed for another market address on this chain.
        bytes32 otherDomain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("PayableAI InferenceMarket"),
                keccak256("1"),
                block.chainid,
                makeAddr("otherMarket")
            )
        );
        bytes32 otherDigest = keccak256(
            abi.encodePacked("\x19\x01", otherDomain, vm.eip712HashStruct(REPORT_TYPE, _signedFields(report)))
        );
        bytes[] memory signatures = new bytes[](2);
        signatures[0] = _sign(keeperKeys[0], otherDigest);
        signatures[1] = _sign(keeperKeys[1], otherDigest);
        address unrelated = ECDSA.recover(_digest(report), signatures[0]);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketInactiveKeeper.selector, unrelated));
        market.submitReport(report, signatures);
    }

    function test_RevertWhen_highSSignature() public {
        uint256 requestId = _request();
        IInferenceMarket.AttributionReport memory report = _report(requestId, 1);
        bytes32 digest = _digest(report);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keeperKeys[0], digest);
        // The malleable twin (n - s, flipped v) of a valid signature is refused.
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        bytes[] memory signatures = new bytes[](2);
        signatures[0] = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        signatures[1] = _sign(keeperKeys[1], digest);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.MarketInvalidSignature.selector, 0));
        market.submitReport(report, signatures);
    }
}

interface InferenceMarketLike {
    function eip712Domain()
        external
        view
        returns (bytes1, string memory, string memory, uint256, address, bytes32, uint256[] memory);
}
