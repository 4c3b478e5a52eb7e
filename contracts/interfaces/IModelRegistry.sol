// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IModelRegistry
/// @notice Models as assets: every registered LoRA model (or composite of models) is an ERC-721 token whose
/// holder receives the model owner's share of inference fees. A model records the base model it adapts, the
/// sha256 of its adapter file, the Merkle root of its training manifest and the datanets it was trained on
/// (the registrant must have access to each). Owners reprice, pause, unpause and retire; governance delists.
/// @dev Model ids are token ids, starting at 1.
interface IModelRegistry {
    /// @notice Lifecycle of a model. `Retired` and `Delisted` are final.
    enum ModelStatus {
        None,
        Active,
        Paused,
        Retired,
        Delisted
    }

    /// @notice A model as stored.
    /// @param baseModelId Identifier of the base model the adapter applies to (empty for a composite).
    /// @param adapterHash sha256 of the adapter file (zero for a composite).
    /// @param manifestRoot Merkle root of the training manifest (the contributions used; zero for a composite).
    /// @param pricePerRequest OPEN charged per inference request.
    /// @param status Lifecycle status.
    /// @param isComposite Whether the model is a weighted combination of other models.
    /// @param registeredAt Block timestamp of registration.
    /// @param adapterURI Where the adapter can be fetched (empty for a composite).
    /// @param metadataURI Description of the model (name, card, licence).
    struct Model {
        string baseModelId;
        bytes32 adapterHash;
        bytes32 manifestRoot;
        uint256 pricePerRequest;
        ModelStatus status;
        bool isComposite;
        uint64 registeredAt;
        string adapterURI;
        string metadataURI;
    }

    /// @notice Arguments of `registerModel`.
    struct ModelParams {
        string baseModelId;
        bytes32 adapterHash;
        string adapterURI;
        bytes32 manifestRoot;
        uint256[] datanetIds;
        uint256 pricePerRequest;
        string metadataURI;
    }

    /// @notice Arguments of `registerComposite`.
    /// @param partIds Plain (non-composite) active models combined by the composite.
    /// @param weightsBps Each part's share of the composite's revenue, in basis points, summing to 10,000.
    struct CompositeParams {
        uint256[] partIds;
        uint256[] weightsBps;
        uint256 pricePerRequest;
        string metadataURI;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------------------

    /// @notice `modelId` does not exist.
    error ModelUnknown(uint256 modelId);
    /// @notice `caller` is neither the owner of model `modelId` nor approved for it.
    error ModelNotAuthorized(uint256 modelId, address caller);
    /// @notice A zero adapter hash was given.
    error ModelZeroAdapterHash();
    /// @notice `adapterHash` is already registered as model `existingModelId`.
    error ModelDuplicateAdapter(bytes32 adapterHash, uint256 existingModelId);
    /// @notice An empty base model id was given.
    error ModelEmptyBaseModelId();
    /// @notice `count` datanets (listed, or for a composite gathered from its parts) is zero or above `max`.
    error ModelInvalidDatanetCount(uint256 count, uint256 max);
    /// @notice Datanet `datanetId` is listed twice.
    error ModelDuplicateDatanet(uint256 datanetId);
    /// @notice `account` has no access to datanet `datanetId`.
    error ModelNoDatanetAccess(uint256 datanetId, address account);
    /// @notice `count` parts is below two or above `max`.
    error ModelInvalidPartCount(uint256 count, uint256 max);
    /// @notice `parts` part ids were given with `weights` weights.
    error ModelPartWeightLengthMismatch(uint256 parts, uint256 weights);
    /// @notice Part `partId` is a composite itself; composites do not nest.
    error ModelNestedComposite(uint256 partId);
    /// @notice Part `partId` is listed twice.
    error ModelDuplicatePart(uint256 partId);
    /// @notice Part `partId` has weight zero.
    error ModelZeroPartWeight(uint256 partId);
    /// @notice Part weights sum to `sum`, not 10,000.
    error ModelPartWeightsNotTotal(uint256 sum);
    /// @notice The owner of part `partId` does not allow it in composites.
    error ModelCompositionBlocked(uint256 partId);
    /// @notice Model `modelId` is `status`, which does not allow the call.
    error ModelInvalidStatus(uint256 modelId, ModelStatus status);
    /// @notice The composite's price gives part `partId` only `partShare` (price × part weight / 10,000), below
    /// the part's own price `partPrice`.
    error ModelCompositeUnderpricesPart(uint256 partId, uint256 partPrice, uint256 partShare);

    // ----------------------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------------------

    /// @notice `owner` registered model `modelId`.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        string baseModelId,
        bytes32 adapterHash,
        string adapterURI,
        bytes32 manifestRoot,
        uint256[] datanetIds,
        uint256 pricePerRequest,
        string metadataURI
    );
    /// @notice `owner` registered composite model `modelId` over `partIds` weighted by `weightsBps`.
    event CompositeRegistered(
        uint256 indexed modelId,
        address indexed owner,
        uint256[] partIds,
        uint256[] weightsBps,
        uint256 pricePerRequest,
        string metadataURI
    );
    /// @notice Model `modelId` now costs `pricePerRequest` OPEN per request.
    event ModelRepriced(uint256 indexed modelId, uint256 pricePerRequest);
    /// @notice Model `modelId`'s metadata moved to `metadataURI`.
    event ModelMetadataUpdated(uint256 indexed modelId, string metadataURI);
    /// @notice Model `modelId` was paused by its owner.
    event ModelPaused(uint256 indexed modelId);
    /// @notice Model `modelId` was unpaused by its owner.
    event ModelUnpaused(uint256 indexed modelId);
    /// @notice Model `modelId` was retired by its owner.
    event ModelRetired(uint256 indexed modelId);
    /// @notice The owner of model `modelId` allowed (`composable`) or refused its use in composites.
    event ModelComposableSet(uint256 indexed modelId, bool composable);
    /// @notice Model `modelId` was delisted by governance for `reason`.
    event ModelDelisted(uint256 indexed modelId, string reason);

    // ----------------------------------------------------------------------------------------------------------
    // Updates
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Registers a LoRA model and mints its token to the caller, who must have access to every datanet.
    /// @param params Base model id, adapter hash and URI, manifest root, datanet ids, price, metadata URI.
    /// @return modelId The new model's id.
    function registerModel(ModelParams calldata params) external returns (uint256 modelId);

    /// @notice Registers a composite of active, composable plain models and mints its token to the caller. Its
    /// revenue is split among the parts' owners by weight; it uses the datanets of its parts (at most
    /// `MAX_DATANETS` distinct ones). Each part's share of the price (price × weight / 10,000) must be at least
    /// the part's own price, so a composite never sells a part for less than the part costs alone.
    /// @param params Part ids, weights in basis points, price, metadata URI.
    /// @return modelId The new model's id.
    function registerComposite(CompositeParams calldata params) external returns (uint256 modelId);

    /// @notice Sets the price per request; only the model's owner or an approved account. Not for final models.
    /// A composite's new price must keep each part's share at least the part's current price
    /// (`ModelCompositeUnderpricesPart`); a part may raise its price freely, which makes composites that now
    /// underprice it unrequestable until they are repriced.
    /// @param modelId The model.
    /// @param pricePerRequest The new price in OPEN.
    function setPrice(uint256 modelId, uint256 pricePerRequest) external;

    /// @notice Sets the metadata URI; only the model's owner or an approved account. Not for final models.
    /// @param modelId The model.
    /// @param metadataURI The new URI.
    function setMetadataURI(uint256 modelId, string calldata metadataURI) external;

    /// @notice Pauses an active model so it takes no requests; only the model's owner or an approved account.
    /// @param modelId The model.
    function pause(uint256 modelId) external;

    /// @notice Unpauses a paused model; only the model's owner or an approved account.
    /// @param modelId The model.
    function unpause(uint256 modelId) external;

    /// @notice Retires an active or paused model for good; only the model's owner or an approved account.
    /// @param modelId The model.
    function retire(uint256 modelId) external;

    /// @notice Allows or refuses the model's use as a part of composites (allowed by default); only the model's
    /// owner or an approved account. Refusing also stops existing composites that use it from taking requests.
    /// @param modelId The model.
    /// @param composable Whether composites may use it.
    function setComposable(uint256 modelId, bool composable) external;

    /// @notice Delists a model for good; only the contract owner (the governance timelock).
    /// @param modelId The model.
    /// @param reason Why, for the record.
    function delist(uint256 modelId, string calldata reason) external;

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @notice The datanet registry whose access rules registration checks.
    function datanetRegistry() external view returns (address);

    /// @notice Number of models registered (the highest model id).
    function modelCount() external view returns (uint256);

    /// @notice A model; reverts with `ModelUnknown` for an unknown id.
    /// @param modelId The model.
    function getModel(uint256 modelId) external view returns (Model memory);

    /// @notice A model's price per request, without copying the whole model (cheaper than `getModel`).
    /// Reverts with `ModelUnknown` for an unknown id.
    /// @param modelId The model.
    function priceOf(uint256 modelId) external view returns (uint256);

    /// @notice The model registered with `adapterHash`, or zero.
    /// @param adapterHash sha256 of an adapter file.
    function modelByAdapter(bytes32 adapterHash) external view returns (uint256);

    /// @notice A composite's parts and weights (empty for a plain model).
    /// @param modelId The model.
    /// @return partIds Part model ids.
    /// @return weightsBps Part weights in basis points.
    function parts(uint256 modelId) external view returns (uint256[] memory partIds, uint256[] memory weightsBps);

    /// @notice The datanets a model uses: its own, or for a composite the union of its parts' (no repeats).
    /// @param modelId The model.
    function datanetIds(uint256 modelId) external view returns (uint256[] memory);

    /// @notice Whether a model (or, for a composite, any part) was trained on datanet `datanetId`.
    /// @param modelId The model.
    /// @param datanetId The datanet.
    function usesDatanet(uint256 modelId, uint256 datanetId) external view returns (bool);

    /// @notice Who receives the model owner's share of a fee: the token holder for a plain model; for a
    /// composite, the current holders of its parts by part weight (one entry per part).
    /// @param modelId The model.
    /// @return recipients Accounts to pay.
    /// @return weightsBps Their shares in basis points, summing to exactly 10,000.
    function revenueShares(uint256 modelId)
        external
        view
        returns (address[] memory recipients, uint256[] memory weightsBps);

    /// @notice Whether a model may be used as a part of composites (its owner's choice; true by default).
    /// Reverts with `ModelUnknown` for an unknown id.
    /// @param modelId The model.
    function isComposable(uint256 modelId) external view returns (bool);

    /// @notice Whether the model takes requests: `Active`, and for a composite every part `Active`, composable
    /// and priced at most its share of the composite's price (price × weight / 10,000).
    /// Unknown ids return false.
    /// @param modelId The model.
    function isRequestable(uint256 modelId) external view returns (bool);
}
