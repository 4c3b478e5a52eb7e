// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice LoRA models and composites as ERC-721 assets. See {IModelRegistry}.
/// @dev Composites do not nest, so every view over a composite touches at most `MAX_PARTS` plain models, and a
/// composite's datanets (the union of its parts', at most `MAX_DATANETS`) are stored like a plain model's.
contract ModelRegistry is ERC721, Ownable, IModelRegistry {
    /// @notice Most datanets one model may list.
    uint256 public constant MAX_DATANETS = 32;
    /// @notice Most parts one composite may combine.
    uint256 public constant MAX_PARTS = 16;

    uint256 private constant TOTAL_BPS = 10_000;

    IDatanetRegistry private immutable _datanets;

    /// @inheritdoc IModelRegistry
    uint256 public modelCount;

    mapping(uint256 modelId => Model) private _models;
    mapping(uint256 modelId => uint256[]) private _datanetIds;
    mapping(uint256 modelId => mapping(uint256 datanetId => bool)) private _trainedOn;
    mapping(uint256 modelId => uint256[]) private _partIds;
    mapping(uint256 modelId => uint256[]) private _partWeights;
    mapping(bytes32 adapterHash => uint256 modelId) private _byAdapter;
    mapping(uint256 modelId => bool) private _compositionBlocked;

    /// @param datanets_ The datanet registry whose access rules registration checks.
    /// @param initialOwner Owner until the deployment hands the contract to the governance timelock.
    constructor(IDatanetRegistry datanets_, address initialOwner)
        ERC721("Payable AI Model", "PAIM")
        Ownable(initialOwner)
    {
        _datanets = datanets_;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Updates
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function registerModel(ModelParams calldata params) external returns (uint256 modelId) {
        if (bytes(params.baseModelId).length == 0) revert ModelEmptyBaseModelId();
        if (params.adapterHash == bytes32(0)) revert ModelZeroAdapterHash();
        uint256 existing = _byAdapter[params.adapterHash];
        if (existing != 0) revert ModelDuplicateAdapter(params.adapterHash, existing);
        uint256 count = params.datanetIds.length;
        if (count == 0 || count > MAX_DATANETS) revert ModelInvalidDatanetCount(count, MAX_DATANETS);

        modelId = ++modelCount;
        for (uint256 i; i < count; ++i) {
            uint256 datanetId = params.datanetIds[i];
            if (_trainedOn[modelId][datanetId]) revert ModelDuplicateDatanet(datanetId);
            if (!_datanets.hasAccess(datanetId, msg.sender)) revert ModelNoDatanetAccess(datanetId, msg.sender);
            _trainedOn[modelId][datanetId] = true;
        }
        _byAdapter[params.adapterHash] = modelId;
        _datanetIds[modelId] = params.datanetIds;
        Model storage model = _models[modelId];
        model.baseModelId = params.baseModelId;
        model.adapterHash = params.adapterHash;
        model.manifestRoot = params.manifestRoot;
        model.pricePerRequest = params.pricePerRequest;
        model.status = ModelStatus.Active;
        model.registeredAt = uint64(block.timestamp);
        model.adapterURI = params.adapterURI;
        model.metadataURI = params.metadataURI;

        // `_mint`, not `_safeMint`: no callback into the registrant while registration is under way.
        _mint(msg.sender, modelId);
        _emitModelRegistered(modelId, params);
    }

    /// @inheritdoc IModelRegistry
    function registerComposite(CompositeParams calldata params) external returns (uint256 modelId) {
        uint256 count = params.partIds.length;
        if (count < 2 || count > MAX_PARTS) revert ModelInvalidPartCount(count, MAX_PARTS);
        if (params.weightsBps.length != count) revert ModelPartWeightLengthMismatch(count, params.weightsBps.length);
        uint256 sum;
        for (uint256 i; i < count; ++i) {
            uint256 partId = params.partIds[i];
            Model storage part = _existingModel(partId);
            if (part.isComposite) revert ModelNestedComposite(partId);
            if (part.status != ModelStatus.Active) revert ModelInvalidStatus(partId, part.status);
            if (_compositionBlocked[partId]) revert ModelCompositionBlocked(partId);
            if (params.weightsBps[i] == 0) revert ModelZeroPartWeight(partId);
            for (uint256 j; j < i; ++j) {
                if (params.partIds[j] == partId) revert ModelDuplicatePart(partId);
            }
            sum += params.weightsBps[i];
        }
        if (sum != TOTAL_BPS) revert ModelPartWeightsNotTotal(sum);
        _checkPartShares(params.partIds, params.weightsBps, params.pricePerRequest);

        modelId = ++modelCount;
        _recordDatanetUnion(modelId, params.partIds);
        _partIds[modelId] = params.partIds;
        _partWeights[modelId] = params.weightsBps;
        Model storage model = _models[modelId];
        model.pricePerRequest = params.pricePerRequest;
        model.status = ModelStatus.Active;
        model.isComposite = true;
        model.registeredAt = uint64(block.timestamp);
        model.metadataURI = params.metadataURI;

        _mint(msg.sender, modelId);
        emit CompositeRegistered(
            modelId, msg.sender, params.partIds, params.weightsBps, params.pricePerRequest, params.metadataURI
        );
    }

    /// @inheritdoc IModelRegistry
    function setPrice(uint256 modelId, uint256 pricePerRequest) external {
        Model storage model = _authorizedModel(modelId);
        _requireLive(modelId, model.status);
        if (model.isComposite) _checkPartShares(_partIds[modelId], _partWeights[modelId], pricePerRequest);
        model.pricePerRequest = pricePerRequest;
        emit ModelRepriced(modelId, pricePerRequest);
    }

    /// @inheritdoc IModelRegistry
    function setMetadataURI(uint256 modelId, string calldata metadataURI) external {
        Model storage model = _authorizedModel(modelId);
        _requireLive(modelId, model.status);
        model.metadataURI = metadataURI;
        emit ModelMetadataUpdated(modelId, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function pause(uint256 modelId) external {
        Model storage model = _authorizedModel(modelId);
        if (model.status != ModelStatus.Active) revert ModelInvalidStatus(modelId, model.status);
        model.status = ModelStatus.Paused;
        emit ModelPaused(modelId);
    }

    /// @inheritdoc IModelRegistry
    function unpause(uint256 modelId) external {
        Model storage model = _authorizedModel(modelId);
        if (model.status != ModelStatus.Paused) revert ModelInvalidStatus(modelId, model.status);
        model.status = ModelStatus.Active;
        emit ModelUnpaused(modelId);
    }

    /// @inheritdoc IModelRegistry
    function retire(uint256 modelId) external {
        Model storage model = _authorizedModel(modelId);
        _requireLive(modelId, model.status);
        model.status = ModelStatus.Retired;
        emit ModelRetired(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setComposable(uint256 modelId, bool composable) external {
        _authorizedModel(modelId);
        _compositionBlocked[modelId] = !composable;
        emit ModelComposableSet(modelId, composable);
    }

    /// @inheritdoc IModelRegistry
    function delist(uint256 modelId, string calldata reason) external onlyOwner {
        Model storage model = _existingModel(modelId);
        if (model.status == ModelStatus.Delisted) revert ModelInvalidStatus(modelId, model.status);
        model.status = ModelStatus.Delisted;
        emit ModelDelisted(modelId, reason);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function datanetRegistry() external view returns (address) {
        return address(_datanets);
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (Model memory) {
        return _existingModel(modelId);
    }

    /// @inheritdoc IModelRegistry
    function priceOf(uint256 modelId) external view returns (uint256) {
        return _existingModel(modelId).pricePerRequest;
    }

    /// @inheritdoc IModelRegistry
    function modelByAdapter(bytes32 adapterHash) external view returns (uint256) {
        return _byAdapter[adapterHash];
    }

    /// @inheritdoc IModelRegistry
    function parts(uint256 modelId) external view returns (uint256[] memory partIds, uint256[] memory weightsBps) {
        _existingModel(modelId);
        return (_partIds[modelId], _partWeights[modelId]);
    }

    /// @inheritdoc IModelRegistry
    function datanetIds(uint256 modelId) external view returns (uint256[] memory) {
        _existingModel(modelId);
        return _datanetIds[modelId];
    }

    /// @inheritdoc IModelRegistry
    function usesDatanet(uint256 modelId, uint256 datanetId) external view returns (bool) {
        _existingModel(modelId);
        return _trainedOn[modelId][datanetId];
    }

    /// @inheritdoc IModelRegistry
    function revenueShares(uint256 modelId)
        external
        view
        returns (address[] memory recipients, uint256[] memory weightsBps)
    {
        if (!_existingModel(modelId).isComposite) {
            recipients = new address[](1);
            weightsBps = new uint256[](1);
            recipients[0] = _ownerOf(modelId);
            weightsBps[0] = TOTAL_BPS;
            return (recipients, weightsBps);
        }
        uint256[] storage partIds = _partIds[modelId];
        recipients = new address[](partIds.length);
        for (uint256 i; i < partIds.length; ++i) {
            recipients[i] = _ownerOf(partIds[i]);
        }
        weightsBps = _partWeights[modelId];
    }

    /// @inheritdoc IModelRegistry
    function isComposable(uint256 modelId) external view returns (bool) {
        _existingModel(modelId);
        return !_compositionBlocked[modelId];
    }

    /// @inheritdoc IModelRegistry
    function isRequestable(uint256 modelId) external view returns (bool) {
        Model storage model = _models[modelId];
        if (model.status != ModelStatus.Active) return false;
        if (!model.isComposite) return true;
        uint256[] storage partIds = _partIds[modelId];
        uint256[] storage weights = _partWeights[modelId];
        uint256 price = model.pricePerRequest;
        for (uint256 i; i < partIds.length; ++i) {
            uint256 partId = partIds[i];
            Model storage part = _models[partId];
            if (part.status != ModelStatus.Active || _compositionBlocked[partId]) return false;
            if (Math.mulDiv(price, weights[i], TOTAL_BPS) < part.pricePerRequest) return false;
        }
        return true;
    }

    /// @notice The model's metadata URI.
    /// @param modelId The model.
    function tokenURI(uint256 modelId) public view override returns (string memory) {
        return _existingModel(modelId).metadataURI;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------------

    function _existingModel(uint256 modelId) private view returns (Model storage model) {
        model = _models[modelId];
        if (model.status == ModelStatus.None) revert ModelUnknown(modelId);
    }

    function _authorizedModel(uint256 modelId) private view returns (Model storage model) {
        model = _existingModel(modelId);
        if (!_isAuthorized(_ownerOf(modelId), msg.sender, modelId)) revert ModelNotAuthorized(modelId, msg.sender);
    }

    /// @dev Active or paused: the states an owner may still change.
    function _requireLive(uint256 modelId, ModelStatus status) private pure {
        if (status != ModelStatus.Active && status != ModelStatus.Paused) revert ModelInvalidStatus(modelId, status);
    }

    /// @dev Stores the union of the parts' datanets as the composite's own, once: parts never change and neither
    /// do a plain model's datanets, so `usesDatanet` stays a single lookup on the market's hot path.
    function _recordDatanetUnion(uint256 modelId, uint256[] calldata partIds) private {
        uint256[] storage union = _datanetIds[modelId];
        for (uint256 i; i < partIds.length; ++i) {
            uint256[] storage own = _datanetIds[partIds[i]];
            for (uint256 k; k < own.length; ++k) {
                uint256 datanetId = own[k];
                if (_trainedOn[modelId][datanetId]) continue;
                _trainedOn[modelId][datanetId] = true;
                union.push(datanetId);
            }
        }
        if (union.length > MAX_DATANETS) revert ModelInvalidDatanetCount(union.length, MAX_DATANETS);
    }

    /// @dev Each part's share of a composite's price must cover the part's own price at this moment; otherwise
    /// composing would sell a part below the price its owner chose.
    function _checkPartShares(uint256[] memory partIds, uint256[] memory weights, uint256 price) private view {
        for (uint256 i; i < partIds.length; ++i) {
            uint256 partPrice = _models[partIds[i]].pricePerRequest;
            uint256 share = Math.mulDiv(price, weights[i], TOTAL_BPS);
            if (share < partPrice) revert ModelCompositeUnderpricesPart(partIds[i], partPrice, share);
        }
    }

    function _emitModelRegistered(uint256 modelId, ModelParams calldata params) private {
        emit ModelRegistered(
            modelId,
            msg.sender,
            params.baseModelId,
            params.adapterHash,
            params.adapterURI,
            params.manifestRoot,
            params.datanetIds,
            params.pricePerRequest,
            params.metadataURI
        );
    }
}
