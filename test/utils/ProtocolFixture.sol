// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../contracts/ContributionVotes.sol";
import {DatanetRegistry} from "../../contracts/DatanetRegistry.sol";
import {InferenceMarket} from "../../contracts/InferenceMarket.sol";
import {KeeperRegistry} from "../../contracts/KeeperRegistry.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {OpenToken} from "../../contracts/OpenToken.sol";
import {RewardVault} from "../../contracts/RewardVault.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {IInferenceMarket} from "../../contracts/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";

/// @notice The real protocol contracts wired as Deploy.s.sol wires them, with a datanet of accepted
/// contributions, a model trained on it and three staked keepers (quorum two).
abstract contract ProtocolFixture is Test {
    /// @dev `AttributionReport` without its unsigned `executor`, for forge's EIP-712 encoder.
    struct SignedReport {
        uint256 requestId;
        uint16 round;
        uint256 modelId;
        bytes32 outputHash;
        string outputURI;
        uint32 attributionVersion;
        IInferenceMarket.Attribution[] attributions;
    }

    string internal constant REPORT_TYPE =
        "AttributionReport(uint256 requestId,uint16 round,uint256 modelId,bytes32 outputHash,string outputURI,uint32 attributionVersion,Attribution[] attributions)Attribution(uint256 contributionId,uint16 weightBps)";

    uint256 internal constant MIN_STAKE = 1000 ether;
    uint256 internal constant KEEPER_STAKE = 2000 ether;
    uint64 internal constant UNBONDING_DELAY = 7 days;
    uint64 internal constant CHALLENGE_WINDOW = 1 hours;
    uint64 internal constant REQUEST_TIMEOUT = 1 days;
    uint64 internal constant EXECUTOR_TURN = 1 minutes;
    uint64 internal constant REOPEN_GRACE = 1 hours;
    /// @dev Fees awaiting settlement may reach 10x the active stake in the fixture; capacity tests lower it.
    uint32 internal constant MAX_REPORTED_FEES_BPS = 100_000;
    uint256 internal constant PRICE = 10 ether;
    uint256 internal constant BOND = 1 ether;
    uint16 internal constant PROTOCOL_BPS = 500;
    uint16 internal constant EXECUTOR_BPS = 1500;
    uint16 internal constant MODEL_BPS = 4000;
    uint16 internal constant DATA_BPS = 4000;

    OpenToken internal open;
    DatanetRegistry internal datanets;
    ModelRegistry internal models;
    ContributionVotes internal votes;
    KeeperRegistry internal keepers;
    RewardVault internal vault;
    InferenceMarket internal market;

    address internal governance = makeAddr("governance");
    address internal treasury = makeAddr("treasury");
    address internal datanetOwner = makeAddr("datanetOwner");
    address internal contributor = makeAddr("contributor");
    address internal developer = makeAddr("developer");
    address internal requester = makeAddr("requester");
    address internal challenger = makeAddr("challenger");

    uint256 internal datanetId;
    uint256 internal otherDatanetId;
    uint256 internal modelId;
    uint256[] internal accepted;

    /// @dev Keepers sorted by address; `keeperKeys[i]` signs for `keeperAddrs[i]`.
    address[] internal keeperAddrs;
    uint256[] internal keeperKeys;

    function setUp() public virtual {
        open = new OpenToken(address(0), address(0), 1_000_000_000 ether, address(this), 500_000_000 ether);
        datanets = new DatanetRegistry(IERC20(address(open)), governance, treasury, 1 hours, 30 days);
        models = new ModelRegistry(datanets, governance);
        votes = new ContributionVotes(governance);
        keepers = new KeeperRegistry(address(open), governance, treasury, MIN_STAKE, 2, UNBONDING_DELAY);
        vault = new RewardVault(address(open), governance);
        market = new InferenceMarket(_wiring(), governance, treasury, _parameters());
        vm.startPrank(governance);
        keepers.setMarket(address(market));
        vault.setMarket(address(market));
        votes.setMinter(address(market), true);
        vm.stopPrank();

        datanetId = _createDatanet(datanetOwner);
        otherDatanetId = _createDatanet(makeAddr("otherOwner"));
        _fund(contributor, 1000 ether, address(datanets));
        for (uint256 i; i < 4; ++i) {
            accepted.push(_acceptedContribution(datanetId));
        }
        modelId = _registerModel(developer, datanetId, PRICE);
        for (uint256 i; i < 3; ++i) {
            _addKeeper(string.concat("keeper", vm.toString(i)));
        }
        _fund(requester, 1_000_000 ether, address(market));
    }

    // ─── Setup helpers ────────────────────────────────────────────────────────

    function _wiring() internal view returns (IInferenceMarket.Wiring memory) {
        return IInferenceMarket.Wiring({
            token: address(open),
            datanetRegistry: address(datanets),
            modelRegistry: address(models),
            keeperRegistry: address(keepers),
            rewardVault: address(vault),
            contributionVotes: address(votes)
        });
    }

    function _parameters() internal pure returns (IInferenceMarket.Parameters memory) {
        return IInferenceMarket.Parameters({
            challengeWindow: CHALLENGE_WINDOW,
            requestTimeout: REQUEST_TIMEOUT,
            maxAttributions: 32,
            protocolFeeBps: PROTOCOL_BPS,
            executorFeeBps: EXECUTOR_BPS,
            modelFeeBps: MODEL_BPS,
            executorTurn: EXECUTOR_TURN,
            reopenGrace: REOPEN_GRACE,
            maxReportedFeesBps: MAX_REPORTED_FEES_BPS
        });
    }

    function _fund(address who, uint256 amount, address spender) internal {
        assertTrue(open.transfer(who, amount));
        vm.prank(who);
        open.approve(spender, type(uint256).max);
    }

    function _createDatanet(address owner) internal returns (uint256 id) {
        vm.prank(owner);
        id = datanets.createDatanet(
            IDatanetRegistry.DatanetConfig({
                metadataURI: "blob://datanet", contributionBond: BOND, accessFee: 0, reviewTimeout: 1 days
            }),
            new address[](0)
        );
    }

    function _contribution(uint256 inDatanet) internal returns (uint256 id) {
        bytes32 contentHash = keccak256(abi.encode("content", datanets.contributionCount()));
        vm.prank(contributor);
        id = datanets.contribute(inDatanet, contentHash, "blob://c");
    }

    function _acceptedContribution(uint256 inDatanet) internal returns (uint256 id) {
        id = _contribution(inDatanet);
        vm.prank(datanets.datanetOwner(inDatanet));
        datanets.acceptContribution(id);
    }

    /// @dev Adds accepted contributions until `accepted` holds `count`.
    function _ensureAccepted(uint256 count) internal {
        while (accepted.length < count) {
            accepted.push(_acceptedContribution(datanetId));
        }
    }

    function _registerModel(address owner, uint256 onDatanet, uint256 price) internal returns (uint256 id) {
        address datanetOwner_ = datanets.datanetOwner(onDatanet);
        if (!datanets.hasAccess(onDatanet, owner)) {
            vm.prank(owner);
            datanets.requestAccess(onDatanet);
            vm.prank(datanetOwner_);
            datanets.approveAccess(onDatanet, owner);
        }
        uint256[] memory ids = new uint256[](1);
        ids[0] = onDatanet;
        bytes32 adapterHash = keccak256(abi.encode("adapter", models.modelCount()));
        vm.prank(owner);
        id = models.registerModel(
            IModelRegistry.ModelParams({
                baseModelId: "tiny-llama",
                adapterHash: adapterHash,
                adapterURI: "blob://adapter",
                manifestRoot: bytes32(uint256(1)),
                datanetIds: ids,
                pricePerRequest: price,
                metadataURI: "blob://model"
            })
        );
    }

    /// @dev Registers a model trained on every datanet of `onDatanets`, asking each datanet's owner for access.
    function _registerModel(address owner, uint256[] memory onDatanets, uint256 price) internal returns (uint256 id) {
        for (uint256 i; i < onDatanets.length; ++i) {
            if (datanets.hasAccess(onDatanets[i], owner)) continue;
            vm.prank(owner);
            datanets.requestAccess(onDatanets[i]);
            vm.prank(datanets.datanetOwner(onDatanets[i]));
            datanets.approveAccess(onDatanets[i], owner);
        }
        bytes32 adapterHash = keccak256(abi.encode("adapter", models.modelCount()));
        vm.prank(owner);
        id = models.registerModel(
            IModelRegistry.ModelParams({
                baseModelId: "tiny-llama",
                adapterHash: adapterHash,
                adapterURI: "blob://adapter",
                manifestRoot: bytes32(uint256(1)),
                datanetIds: onDatanets,
                pricePerRequest: price,
                metadataURI: "blob://model"
            })
        );
    }

    function _addKeeper(string memory name) internal returns (address keeper, uint256 key) {
        (keeper, key) = makeAddrAndKey(name);
        _fund(keeper, KEEPER_STAKE, address(keepers));
        vm.prank(keeper);
        keepers.stake(KEEPER_STAKE);
        // Insertion sort keeps the signer list ascending, as reports require.
        keeperAddrs.push(keeper);
        keeperKeys.push(key);
        for (uint256 i = keeperAddrs.length - 1; i > 0 && keeperAddrs[i - 1] > keeperAddrs[i]; --i) {
            (keeperAddrs[i - 1], keeperAddrs[i]) = (keeperAddrs[i], keeperAddrs[i - 1]);
            (keeperKeys[i - 1], keeperKeys[i]) = (keeperKeys[i], keeperKeys[i - 1]);
        }
    }

    // ─── Request and report helpers ───────────────────────────────────────────

    function _request() internal returns (uint256) {
        return _request(modelId);
    }

    function _request(uint256 model) internal returns (uint256) {
        vm.prank(requester);
        return market.requestInference(model, keccak256("input"), "blob://input", type(uint256).max);
    }

    function _report(uint256 requestId, uint256 count) internal returns (IInferenceMarket.AttributionReport memory) {
        _ensureAccepted(count);
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](count);
        for (uint256 i; i < count; ++i) {
            attributions[i] =
                IInferenceMarket.Attribution({contributionId: accepted[i], weightBps: uint16(10_000 / (count + 1))});
        }
        return _report(requestId, attributions);
    }

    /// @dev A report executed by `keeperAddrs[0]`: time moves on (at most a few executor turns) until the
    /// schedule names it, so tests can rely on who executes and signs.
    function _report(uint256 requestId, IInferenceMarket.Attribution[] memory attributions)
        internal
        returns (IInferenceMarket.AttributionReport memory)
    {
        address executor = _warpToTurnOf(requestId, keeperAddrs[0]);
        IInferenceMarket.Request memory request = market.getRequest(requestId);
        return IInferenceMarket.AttributionReport({
            requestId: requestId,
            round: request.round,
            modelId: request.modelId,
            outputHash: keccak256("output"),
            outputURI: "blob://output",
            executor: executor,
            attributionVersion: 1,
            attributions: attributions
        });
    }

    /// @dev Warps to the next turn of `keeper` for an open `requestId` (within one rotation) and returns it, or
    /// returns the scheduled executor when `keeper` has no turn (unbonded).
    function _warpToTurnOf(uint256 requestId, address keeper) internal returns (address) {
        // Only an open request has a schedule to wait for; other reports are conflicting evidence, built at once.
        if (market.getRequest(requestId).status != IInferenceMarket.RequestStatus.Open) return keeper;
        if (!keepers.isActive(keeper)) {
            (address now_,,) = market.scheduledExecutor(requestId);
            return now_;
        }
        // Turns are drawn by stake: a third of the stake comes up within 64 turns but once in ~10^11.
        for (uint256 i; i <= 64; ++i) {
            (address scheduled,, uint64 nextTurnAt) = market.scheduledExecutor(requestId);
            if (scheduled == keeper) return keeper;
            if (i == 64) return scheduled;
            vm.warp(nextTurnAt);
        }
        return keeper;
    }

    function _attributions(uint256 contributionId, uint16 weightBps)
        internal
        pure
        returns (IInferenceMarket.Attribution[] memory attributions)
    {
        attributions = new IInferenceMarket.Attribution[](1);
        attributions[0] = IInferenceMarket.Attribution(contributionId, weightBps);
    }

    /// @dev The EIP-712 digest built from the type string with forge's own encoder, independent of the market's
    /// hashing library.
    function _digest(IInferenceMarket.AttributionReport memory report) internal view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("PayableAI InferenceMarket"),
                keccak256("1"),
                block.chainid,
                address(market)
            )
        );
        return keccak256(
            abi.encodePacked("\x19\x01", domainSeparator, vm.eip712HashStruct(REPORT_TYPE, _signedFields(report)))
        );
    }

    /// @dev The report as keepers sign it: every field but the executor, which the schedule decides.
    function _signedFields(IInferenceMarket.AttributionReport memory report) internal pure returns (bytes memory) {
        return abi.encode(
            SignedReport(
                report.requestId,
                report.round,
                report.modelId,
                report.outputHash,
                report.outputURI,
                report.attributionVersion,
                report.attributions
            )
        );
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of `count` keepers ascending by address: the report's executor (when it is a fixture
    /// keeper) and the lowest others.
    function _signatures(IInferenceMarket.AttributionReport memory report, uint256 count)
        internal
        view
        returns (bytes[] memory signatures)
    {
        bytes32 digest = _digest(report);
        bool[] memory chosen = new bool[](keeperAddrs.length);
        uint256 picked;
        for (uint256 i; i < keeperAddrs.length; ++i) {
            if (keeperAddrs[i] == report.executor && count != 0) (chosen[i], picked) = (true, 1);
        }
        for (uint256 i; i < keeperAddrs.length && picked < count; ++i) {
            if (!chosen[i]) (chosen[i], picked) = (true, picked + 1);
        }
        signatures = new bytes[](count);
        uint256 next;
        for (uint256 i; i < keeperAddrs.length && next < count; ++i) {
            if (chosen[i]) signatures[next++] = _sign(keeperKeys[i], digest);
        }
    }

    /// @dev Index in `keeperAddrs` of `keeper`.
    function _keeperIndex(address keeper) internal view returns (uint256) {
        for (uint256 i; i < keeperAddrs.length; ++i) {
            if (keeperAddrs[i] == keeper) return i;
        }
        revert("not a fixture keeper");
    }

    function _submit(IInferenceMarket.AttributionReport memory report) internal returns (bytes32) {
        return market.submitReport(report, _signatures(report, 2));
    }

    /// @dev A request reported with `count` attributions by two keepers, its scheduled executor among them.
    function _reported(uint256 count)
        internal
        returns (uint256 requestId, IInferenceMarket.AttributionReport memory report)
    {
        requestId = _request();
        report = _report(requestId, count);
        _submit(report);
    }

    function _finalizeOne(uint256 requestId) internal {
        uint256[] memory ids = new uint256[](1);
        ids[0] = requestId;
        market.finalize(ids);
    }
}
