// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {InferenceMarket} from "../../contracts/InferenceMarket.sol";
import {KeeperRegistry} from "../../contracts/KeeperRegistry.sol";
import {OpenToken} from "../../contracts/OpenToken.sol";
import {RewardVault} from "../../contracts/RewardVault.sol";
import {IInferenceMarket} from "../../contracts/interfaces/IInferenceMarket.sol";

/// @notice Drives the market with random but well-formed requests, reports, challenges, finalizations, refunds,
/// claims and keeper stake moves, and keeps ghost totals for the invariants.
contract InferenceMarketHandler is Test {
    string internal constant REPORT_TYPE =
        "AttributionReport(uint256 requestId,uint16 round,uint256 modelId,bytes32 outputHash,string outputURI,address executor,uint32 attributionVersion,Attribution[] attributions)Attribution(uint256 contributionId,uint16 weightBps)";

    OpenToken internal immutable open;
    InferenceMarket internal immutable market;
    KeeperRegistry internal immutable keepers;
    RewardVault internal immutable vault;

    uint256[] internal models;
    uint256[] internal contributions;
    address[] internal keeperAddrs;
    mapping(address keeper => uint256 key) internal keyOf;
    address[] internal requesters;
    /// @dev Every account the market can credit.
    address[] public payees;

    uint256 public ghostFinalizedFees;
    uint256 public ghostRefundedFees;
    uint256 public ghostDeclinesFinalized;
    uint256 public ghostSplitMismatches;
    uint256 public ghostFinalized;
    uint256 public ghostChallenges;
    mapping(address account => uint256) public ghostClaimed;

    constructor(
        OpenToken open_,
        InferenceMarket market_,
        KeeperRegistry keepers_,
        RewardVault vault_,
        uint256[] memory models_,
        uint256[] memory contributions_,
        address[] memory keeperAddrs_,
        uint256[] memory keeperKeys_,
        address[] memory payees_
    ) {
        (open, market, keepers, vault) = (open_, market_, keepers_, vault_);
        models = models_;
        contributions = contributions_;
        keeperAddrs = keeperAddrs_;
        for (uint256 i; i < keeperAddrs_.length; ++i) {
            keyOf[keeperAddrs_[i]] = keeperKeys_[i];
        }
        payees = payees_;
        for (uint256 i; i < 3; ++i) {
            requesters.push(makeAddr(string.concat("requester", vm.toString(i))));
        }
    }

    function payeeCount() external view returns (uint256) {
        return payees.length;
    }

    // ─── Actions ──────────────────────────────────────────────────────────────

    function request(uint256 requesterSeed, uint256 modelSeed) external {
        address requester = requesters[requesterSeed % requesters.length];
        uint256 modelId = models[modelSeed % models.length];
        deal(address(open), requester, open.balanceOf(requester) + 1000 ether);
        vm.startPrank(requester);
        open.approve(address(market), type(uint256).max);
        market.requestInference(modelId, keccak256(abi.encode(requesterSeed)), "blob://input", type(uint256).max);
        vm.stopPrank();
    }

    function submitReport(uint256 requestSeed, uint256 attributionSeed, uint256 signerSeed) external {
        uint256 requestId = _find(requestSeed, IInferenceMarket.RequestStatus.Open);
        // forge-lint: disable-next-line(block-timestamp)
        if (requestId == 0 || block.timestamp > market.getRequest(requestId).deadline) return;
        (address executor,,) = market.scheduledExecutor(requestId);
        if (!keepers.isActive(executor)) return;
        address[] memory signers = _pickSigners(signerSeed, executor);
        if (signers.length == 0) return;
        IInferenceMarket.AttributionReport memory report =
            _report(requestId, attributionSeed, executor, keccak256(abi.encode("output", attributionSeed)));
        // One report in eight declines the request: no output, no attributions, refunded when finalized.
        if (attributionSeed % 8 == 0) {
            report.outputHash = bytes32(0);
            delete report.attributions;
        }
        market.submitReport(report, _sign(report, signers));
    }

    function challenge(uint256 requestSeed, uint256 signerSeed) external {
        uint256 requestId = _find(requestSeed, IInferenceMarket.RequestStatus.Reported);
        // forge-lint: disable-next-line(block-timestamp)
        if (requestId == 0 || block.timestamp >= market.getRequest(requestId).challengeEndsAt) return;
        address[] memory accepted = market.reportSigners(requestId);
        address[] memory equivocator = new address[](1);
        equivocator[0] = accepted[signerSeed % accepted.length];
        IInferenceMarket.AttributionReport memory conflicting =
            _report(requestId, signerSeed, equivocator[0], keccak256(abi.encode("conflict", signerSeed)));
        vm.prank(makeAddr("challenger"));
        market.challenge(requestId, conflicting, _sign(conflicting, equivocator));
        ++ghostChallenges;
    }

    function finalize(uint256 requestSeed, uint256 batchSeed) external {
        uint256 count = market.requestCount();
        // Two extra slots for ids the market must skip: a repeat and an unknown id.
        uint256[] memory ids = new uint256[](bound(batchSeed, 1, 5) + 2);
        uint256 found;
        uint256 fees;
        uint256 declinedFees;
        for (uint256 i; i < count && found < ids.length - 2; ++i) {
            uint256 requestId = (requestSeed % count + i) % count + 1;
            IInferenceMarket.Request memory r = market.getRequest(requestId);
            // forge-lint: disable-next-line(block-timestamp)
            if (r.status != IInferenceMarket.RequestStatus.Reported || block.timestamp < r.challengeEndsAt) continue;
            ids[found++] = requestId;
            if (r.declined) declinedFees += r.fee;
            else fees += r.fee;
        }
        if (found == 0) return;
        ids[found] = ids[0];
        ids[found + 1] = count + 1;
        assembly ("memory-safe") {
            mstore(ids, add(found, 2))
        }
        uint256 outstandingBefore = vault.totalOutstanding();
        if (market.finalize(ids) != found) ++ghostSplitMismatches;
        // With no claim in between, the vault must have been credited exactly the fees.
        if (vault.totalOutstanding() - outstandingBefore != fees) ++ghostSplitMismatches;
        ghostFinalizedFees += fees;
        ghostRefundedFees += declinedFees;
        if (declinedFees > 0) ++ghostDeclinesFinalized;
        ghostFinalized += found;
    }

    function refund(uint256 requestSeed) external {
        uint256 requestId = _find(requestSeed, IInferenceMarket.RequestStatus.Open);
        if (requestId == 0) return;
        IInferenceMarket.Request memory r = market.getRequest(requestId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp <= r.deadline) return;
        market.refund(requestId);
        ghostRefundedFees += r.fee;
    }

    function claim(uint256 payeeSeed) external {
        address account = payees[payeeSeed % payees.length];
        if (vault.balanceOf(account) == 0) return;
        vm.prank(account);
        ghostClaimed[account] += vault.claim(account);
    }

    function unbond(uint256 keeperSeed) external {
        address keeper = keeperAddrs[keeperSeed % keeperAddrs.length];
        (uint256 staked, uint64 unbondingEndsAt) = keepers.keeperInfo(keeper);
        if (staked == 0 || unbondingEndsAt != 0) return;
        vm.prank(keeper);
        keepers.requestUnbond();
    }

    function withdraw(uint256 keeperSeed) external {
        address keeper = keeperAddrs[keeperSeed % keeperAddrs.length];
        (, uint64 unbondingEndsAt) = keepers.keeperInfo(keeper);
        // forge-lint: disable-next-line(block-timestamp)
        if (unbondingEndsAt == 0 || block.timestamp < unbondingEndsAt) return;
        vm.prank(keeper);
        keepers.withdraw();
    }

    function stake(uint256 keeperSeed, uint256 amount) external {
        address keeper = keeperAddrs[keeperSeed % keeperAddrs.length];
        (uint256 current, uint64 unbondingEndsAt) = keepers.keeperInfo(keeper);
        if (unbondingEndsAt != 0) return;
        amount = bound(amount, current == 0 ? keepers.minStake() : 1, 5000 ether);
        deal(address(open), keeper, open.balanceOf(keeper) + amount);
        vm.startPrank(keeper);
        open.approve(address(keepers), amount);
        keepers.stake(amount);
        vm.stopPrank();
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
    }

    // ─── Internal ─────────────────────────────────────────────────────────────

    function _find(uint256 seed, IInferenceMarket.RequestStatus status) internal view returns (uint256) {
        uint256 count = market.requestCount();
        for (uint256 i; i < count; ++i) {
            uint256 requestId = (seed % count + i) % count + 1;
            if (market.getRequest(requestId).status == status) return requestId;
        }
        return 0;
    }

    /// @dev A random ascending subset of the active keepers with the executor, holding the count and stake quorums
    /// (empty when the active keepers cannot).
    function _pickSigners(uint256 seed, address executor) internal view returns (address[] memory signers) {
        signers = new address[](keeperAddrs.length);
        uint256 count;
        uint256 signed;
        for (uint256 i; i < keeperAddrs.length; ++i) {
            uint256 stake_ = keepers.activeStakeOf(keeperAddrs[i]);
            if (stake_ == 0) continue;
            bool needed = count < keepers.quorum() || signed < keepers.quorumStake();
            if (keeperAddrs[i] != executor && !needed && (seed >> i) & 1 == 1) continue;
            signers[count++] = keeperAddrs[i];
            signed += stake_;
        }
        if (count < keepers.quorum() || signed < keepers.quorumStake()) return new address[](0);
        assembly ("memory-safe") {
            mstore(signers, count)
        }
    }

    function _report(uint256 requestId, uint256 seed, address executor, bytes32 outputHash)
        internal
        view
        returns (IInferenceMarket.AttributionReport memory report)
    {
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](contributions.length);
        uint256 count;
        for (uint256 i; i < contributions.length; ++i) {
            if ((seed >> i) & 1 == 0) continue;
            // At most eight contributions of at most 1,250 bps each: the sum never exceeds 10,000.
            uint16 weight = uint16(uint256(keccak256(abi.encode(seed, i))) % 1250 + 1);
            attributions[count++] = IInferenceMarket.Attribution(contributions[i], weight);
        }
        assembly ("memory-safe") {
            mstore(attributions, count)
        }
        IInferenceMarket.Request memory r = market.getRequest(requestId);
        report = IInferenceMarket.AttributionReport({
            requestId: requestId,
            round: r.round,
            modelId: r.modelId,
            outputHash: outputHash,
            outputURI: "blob://output",
            executor: executor,
            attributionVersion: 1,
            attributions: attributions
        });
    }

    function _sign(IInferenceMarket.AttributionReport memory report, address[] memory signers)
        internal
        view
        returns (bytes[] memory signatures)
    {
        bytes32 digest = keccak256(
            abi.encodePacked("\x19\x01", market.domainSeparator(), vm.eip712HashStruct(REPORT_TYPE, abi.encode(report)))
        );
        signatures = new bytes[](signers.length);
        for (uint256 i; i < signers.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keyOf[signers[i]], digest);
            signatures[i] = abi.encodePacked(r, s, v);
        }
    }
}
