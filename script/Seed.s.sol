// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Script, console} from "forge-std/Script.sol";

import {AgentRegistry} from "../contracts/AgentRegistry.sol";
import {DatanetRegistry} from "../contracts/DatanetRegistry.sol";
import {InferenceMarket} from "../contracts/InferenceMarket.sol";
import {KeeperRegistry} from "../contracts/KeeperRegistry.sol";
import {ModelRegistry} from "../contracts/ModelRegistry.sol";
import {IDatanetRegistry} from "../contracts/interfaces/IDatanetRegistry.sol";
import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../contracts/interfaces/IModelRegistry.sol";

/// @notice Demo data on a local chain after Deploy.s.sol, made only of ordinary user calls from anvil's
/// development accounts: staked keepers, a datanet with accepted contributions, a model trained on it, an agent,
/// one request reported by a keeper quorum (finalizable once its challenge window passes) and one open request.
///
/// forge script script/Seed.s.sol --broadcast --rpc-url http://127.0.0.1:8545
contract Seed is Script {
    string internal constant DEFAULT_MNEMONIC = "test test test test test test test test test test test junk";

    struct Actors {
        uint256 deployer;
        uint256 datanetOwner;
        uint256 curator;
        uint256 contributor;
        uint256 developer;
        uint256 user;
        uint256[3] keepers;
    }

    error TransferFailed(address to, uint256 amount);

    IERC20 internal token;
    DatanetRegistry internal datanets;
    ModelRegistry internal models;
    KeeperRegistry internal keepers;
    InferenceMarket internal market;
    AgentRegistry internal agents;

    function run() external {
        _load();
        Actors memory a = _actors();
        _fundAndStake(a);
        (uint256 datanetId, uint256[] memory contributionIds) = _datanet(a);
        uint256 modelId = _model(a, datanetId);

        uint256[] memory modelIds = new uint256[](1);
        modelIds[0] = modelId;
        uint256 agentMinStake = agents.minStake();
        vm.startBroadcast(a.user);
        token.approve(address(agents), agentMinStake);
        uint256 agentId = agents.registerAgent(modelIds, "blob://demo/agent.json", agentMinStake);
        token.approve(address(market), type(uint256).max);
        uint256 reportedId =
            market.requestInference(modelId, sha256("What do plants do with light?"), "blob://demo/q1", 10 ether);
        uint256 openId = market.requestInference(modelId, sha256("Where is ATP made?"), "blob://demo/q2", 10 ether);
        vm.stopBroadcast();

        _report(a, reportedId, modelId, contributionIds);
        console.log("datanet", datanetId);
        console.log("model", modelId);
        console.log("agent", agentId);
        console.log("reported request (finalize after the challenge window)", reportedId);
        console.log("open request", openId);
    }

    function _load() internal {
        string memory path = string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json");
        string memory json = vm.readFile(path);
        token = IERC20(vm.parseJsonAddress(json, ".contracts.OpenToken"));
        datanets = DatanetRegistry(vm.parseJsonAddress(json, ".contracts.DatanetRegistry"));
        models = ModelRegistry(vm.parseJsonAddress(json, ".contracts.ModelRegistry"));
        keepers = KeeperRegistry(vm.parseJsonAddress(json, ".contracts.KeeperRegistry"));
        market = InferenceMarket(vm.parseJsonAddress(json, ".contracts.InferenceMarket"));
        agents = AgentRegistry(vm.parseJsonAddress(json, ".contracts.AgentRegistry"));
    }

    function _actors() internal view returns (Actors memory a) {
        string memory mnemonic = vm.envOr("MNEMONIC", DEFAULT_MNEMONIC);
        a.deployer = vm.deriveKey(mnemonic, 0);
        a.datanetOwner = vm.deriveKey(mnemonic, 1);
        a.curator = vm.deriveKey(mnemonic, 2);
        a.contributor = vm.deriveKey(mnemonic, 3);
        a.developer = vm.deriveKey(mnemonic, 5);
        a.user = vm.deriveKey(mnemonic, 6);
        for (uint32 i; i < 3; ++i) {
            a.keepers[i] = vm.deriveKey(mnemonic, 7 + i);
        }
        // Reports need their signers in ascending address order.
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(a.keepers[j - 1]) > vm.addr(a.keepers[j]); --j) {
                (a.keepers[j - 1], a.keepers[j]) = (a.keepers[j], a.keepers[j - 1]);
            }
        }
    }

    function _fundAndStake(Actors memory a) internal {
        uint256 minStake = keepers.minStake();
        vm.startBroadcast(a.deployer);
        _transfer(vm.addr(a.contributor), 1000 ether);
        _transfer(vm.addr(a.developer), 1000 ether);
        _transfer(vm.addr(a.user), 1000 ether);
        for (uint256 i; i < 3; ++i) {
            _transfer(vm.addr(a.keepers[i]), minStake);
        }
        vm.stopBroadcast();
        for (uint256 i; i < 3; ++i) {
            vm.startBroadcast(a.keepers[i]);
            token.approve(address(keepers), minStake);
            keepers.stake(minStake);
            vm.stopBroadcast();
        }
    }

    function _transfer(address to, uint256 amount) internal {
        if (!token.transfer(to, amount)) revert TransferFailed(to, amount);
    }

    function _datanet(Actors memory a) internal returns (uint256 datanetId, uint256[] memory contributionIds) {
        address[] memory curators = new address[](1);
        curators[0] = vm.addr(a.curator);
        vm.startBroadcast(a.datanetOwner);
        datanetId = datanets.createDatanet(
            IDatanetRegistry.DatanetConfig({
                metadataURI: "blob://demo/datanet.json",
                contributionBond: 10 ether,
                accessFee: 50 ether,
                reviewTimeout: 1 days
            }),
            curators
        );
        vm.stopBroadcast();
        string[3] memory texts = [
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "Mitochondria are the site of cellular respiration, producing ATP from glucose and oxygen.",
            "The Calvin cycle fixes carbon dioxide into sugars using ATP and NADPH."
        ];
        contributionIds = new uint256[](3);
        vm.startBroadcast(a.contributor);
        token.approve(address(datanets), 30 ether);
        vm.stopBroadcast();
        for (uint256 i; i < 3; ++i) {
            vm.startBroadcast(a.contributor);
            contributionIds[i] = datanets.contribute(datanetId, sha256(bytes(texts[i])), "blob://demo/contribution");
            vm.stopBroadcast();
            vm.startBroadcast(a.curator);
            datanets.acceptContribution(contributionIds[i]);
            vm.stopBroadcast();
        }
    }

    function _model(Actors memory a, uint256 datanetId) internal returns (uint256 modelId) {
        vm.startBroadcast(a.developer);
        token.approve(address(datanets), 50 ether);
        datanets.requestAccess(datanetId);
        vm.stopBroadcast();
        vm.startBroadcast(a.datanetOwner);
        datanets.approveAccess(datanetId, vm.addr(a.developer));
        vm.stopBroadcast();
        uint256[] memory datanetIds = new uint256[](1);
        datanetIds[0] = datanetId;
        vm.startBroadcast(a.developer);
        modelId = models.registerModel(
            IModelRegistry.ModelParams({
                baseModelId: "payable-tiny-llama",
                adapterHash: sha256("demo adapter"),
                adapterURI: "blob://demo/adapter",
                manifestRoot: sha256("demo manifest"),
                datanetIds: datanetIds,
                pricePerRequest: 2 ether,
                metadataURI: "blob://demo/model.json"
            })
        );
        vm.stopBroadcast();
    }

    function _report(Actors memory a, uint256 requestId, uint256 modelId, uint256[] memory contributionIds) internal {
        IInferenceMarket.Attribution[] memory attributions = new IInferenceMarket.Attribution[](2);
        attributions[0] = IInferenceMarket.Attribution(contributionIds[0], 6000);
        attributions[1] = IInferenceMarket.Attribution(contributionIds[2], 2500);
        (address executor,,) = market.scheduledExecutor(requestId);
        IInferenceMarket.AttributionReport memory report = IInferenceMarket.AttributionReport({
            requestId: requestId,
            round: 0,
            modelId: modelId,
            outputHash: sha256("Plants turn light into chemical energy."),
            outputURI: "blob://demo/a1",
            executor: executor,
            attributionVersion: 1,
            attributions: attributions
        });
        bytes32 digest = market.hashReport(report);
        // All three keepers sign, ascending by address, which holds every stake quorum.
        uint256[3] memory signers = a.keepers;
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(signers[j - 1]) > vm.addr(signers[j]); --j) {
                (signers[j - 1], signers[j]) = (signers[j], signers[j - 1]);
            }
        }
        bytes[] memory signatures = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(signers[i], digest);
            signatures[i] = abi.encodePacked(r, s, v);
        }
        vm.startBroadcast(a.keepers[0]);
        market.submitReport(report, signatures);
        vm.stopBroadcast();
    }
}
