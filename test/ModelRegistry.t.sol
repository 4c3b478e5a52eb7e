// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

import {DatanetRegistry} from "../contracts/DatanetRegistry.sol";
import {ModelRegistry} from "../contracts/ModelRegistry.sol";
import {OpenToken} from "../contracts/OpenToken.sol";
import {IDatanetRegistry} from "../contracts/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "../contracts/interfaces/IModelRegistry.sol";

contract ModelRegistryTest is Test {
    string internal constant BASE = "llama-3.2-1b";
    bytes32 internal constant ROOT = keccak256("manifest");

    OpenToken internal open;
    DatanetRegistry internal datanets;
    ModelRegistry internal models;

    address internal governance = makeAddr("governance");
    address internal alice = makeAddr("alice"); // owns datanets 1 and 2
    address internal bob = makeAddr("bob"); // developer with access to datanet 1
    address internal carol = makeAddr("carol"); // developer with access to datanets 1 and 2
    address internal eve = makeAddr("eve"); // no access

    uint256 internal nextAdapter = 1;

    function setUp() public {
        open = new OpenToken(address(0), address(0), 1_000_000 ether, address(this), 1_000_000 ether);
        datanets = new DatanetRegistry(IERC20(address(open)), governance, makeAddr("treasury"), 1 hours, 30 days);
        models = new ModelRegistry(datanets, governance);

        vm.startPrank(alice);
        datanets.createDatanet(IDatanetRegistry.DatanetConfig("ipfs://one", 0, 0, 1 days), new address[](0));
        datanets.createDatanet(IDatanetRegistry.DatanetConfig("ipfs://two", 0, 0, 1 days), new address[](0));
        vm.stopPrank();
        _grant(1, bob);
        _grant(1, carol);
        _grant(2, carol);
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------

    function _grant(uint256 datanetId, address account) internal {
        vm.prank(account);
        datanets.requestAccess(datanetId);
        vm.prank(alice);
        datanets.approveAccess(datanetId, account);
    }

    function _ids(uint256 a) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = a;
    }

    function _ids(uint256 a, uint256 b) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](2);
        ids[0] = a;
        ids[1] = b;
    }

    function _params(uint256[] memory datanetIds) internal returns (IModelRegistry.ModelParams memory) {
        return IModelRegistry.ModelParams({
            baseModelId: BASE,
            adapterHash: bytes32(nextAdapter++),
            adapterURI: "blob://adapter",
            manifestRoot: ROOT,
            datanetIds: datanetIds,
            pricePerRequest: 1 ether,
            metadataURI: "ipfs://model"
        });
    }

    function _register(address who, uint256[] memory datanetIds) internal returns (uint256 modelId) {
        IModelRegistry.ModelParams memory params = _params(datanetIds);
        vm.prank(who);
        modelId = models.registerModel(params);
    }

    function _composite(address who, uint256[] memory partIds, uint256[] memory weights) internal returns (uint256) {
        return _compositeAt(who, partIds, weights, 3 ether);
    }

    function _compositeAt(address who, uint256[] memory partIds, uint256[] memory weights, uint256 price)
        internal
        returns (uint256)
    {
        vm.prank(who);
        return models.registerComposite(IModelRegistry.CompositeParams(partIds, weights, price, "ipfs://composite"));
    }

    function _status(uint256 modelId) internal view returns (IModelRegistry.ModelStatus) {
        return models.getModel(modelId).status;
    }

    function _invalidStatus(uint256 modelId, IModelRegistry.ModelStatus status) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IModelRegistry.ModelInvalidStatus.selector, modelId, status);
    }

    // ------------------------------------------------------------------------------------------------------
    // Registration
    // ------------------------------------------------------------------------------------------------------

    function test_constructor_wiresRegistry() public view {
        assertEq(models.datanetRegistry(), address(datanets));
        assertEq(models.owner(), governance);
        assertEq(models.name(), "Payable AI Model");
        assertEq(models.symbol(), "PAIM");
        assertEq(models.modelCount(), 0);
    }

    function test_registerModel_mintsAndStores() public {
        IModelRegistry.ModelParams memory params = _params(_ids(1, 2));
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelRegistered(
            1, carol, BASE, params.adapterHash, "blob://adapter", ROOT, params.datanetIds, 1 ether, "ipfs://model"
        );
        vm.prank(carol);
        uint256 id = models.registerModel(params);

        assertEq(id, 1);
        assertEq(models.modelCount(), 1);
        assertEq(models.ownerOf(id), carol);
        assertEq(models.tokenURI(id), "ipfs://model");
        assertEq(models.modelByAdapter(params.adapterHash), id);
        IModelRegistry.Model memory m = models.getModel(id);
        assertEq(m.baseModelId, BASE);
        assertEq(m.adapterHash, params.adapterHash);
        assertEq(m.manifestRoot, ROOT);
        assertEq(m.pricePerRequest, 1 ether);
        assertEq(models.priceOf(id), 1 ether);
        assertEq(uint8(m.status), uint8(IModelRegistry.ModelStatus.Active));
        assertFalse(m.isComposite);
        assertEq(m.registeredAt, block.timestamp);
        assertEq(m.adapterURI, "blob://adapter");
        assertEq(m.metadataURI, "ipfs://model");
        assertEq(models.datanetIds(id), _ids(1, 2));
        assertTrue(models.usesDatanet(id, 1));
        assertTrue(models.usesDatanet(id, 2));
        assertFalse(models.usesDatanet(id, 3));
        assertTrue(models.isRequestable(id));
        (uint256[] memory partIds, uint256[] memory weights) = models.parts(id);
        assertEq(partIds.length, 0);
        assertEq(weights.length, 0);
    }

    function test_registerModel_byDatanetOwnerWithoutRequest() public {
        uint256 id = _register(alice, _ids(2));
        assertEq(models.ownerOf(id), alice);
    }

    function test_RevertWhen_registerModelWithEmptyBaseModel() public {
        IModelRegistry.ModelParams memory params = _params(_ids(1));
        params.baseModelId = "";
        vm.expectRevert(IModelRegistry.ModelEmptyBaseModelId.selector);
        vm.prank(bob);
        models.registerModel(params);
    }

    function test_RevertWhen_registerModelWithZeroAdapterHash() public {
        IModelRegistry.ModelParams memory params = _params(_ids(1));
        params.adapterHash = bytes32(0);
        vm.expectRevert(IModelRegistry.ModelZeroAdapterHash.selector);
        vm.prank(bob);
        models.registerModel(params);
    }

    function test_RevertWhen_registerModelWithDuplicateAdapter() public {
        uint256 id = _register(bob, _ids(1));
        IModelRegistry.ModelParams memory params = _params(_ids(1));
        params.adapterHash = models.getModel(id).adapterHash;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDuplicateAdapter.selector, params.adapterHash, id));
        vm.prank(carol);
        models.registerModel(params);
    }

    function test_RevertWhen_registerModelWithoutDatanets() public {
        IModelRegistry.ModelParams memory params = _params(new uint256[](0));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInvalidDatanetCount.selector, 0, 32));
        vm.prank(bob);
        models.registerModel(params);
    }

    function test_RevertWhen_registerModelWithTooManyDatanets() public {
        IModelRegistry.ModelParams memory params = _params(new uint256[](33));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInvalidDatanetCount.selector, 33, 32));
        vm.prank(bob);
        models.registerModel(params);
    }

    function test_RevertWhen_registerModelWithDuplicateDatanet() public {
        IModelRegistry.ModelParams memory params = _params(_ids(1, 1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDuplicateDatanet.selector, 1));
        vm.prank(bob);
        models.registerModel(params);
    }

    function test_RevertWhen_registerModelWithoutAccess() public {
        IModelRegistry.ModelParams memory params = _params(_ids(1, 2));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNoDatanetAccess.selector, 2, bob));
        vm.prank(bob);
        models.registerModel(params);
    }

    function test_RevertWhen_registerModelAfterAccessRevoked() public {
        vm.prank(alice);
        datanets.revokeAccess(1, bob);
        IModelRegistry.ModelParams memory params = _params(_ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNoDatanetAccess.selector, 1, bob));
        vm.prank(bob);
        models.registerModel(params);
    }

    function test_RevertWhen_registerModelOnUnknownDatanet() public {
        IModelRegistry.ModelParams memory params = _params(_ids(9));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetUnknown.selector, 9));
        vm.prank(bob);
        models.registerModel(params);
    }

    // ------------------------------------------------------------------------------------------------------
    // Composites
    // ------------------------------------------------------------------------------------------------------

    function test_registerComposite_mintsAndSharesRevenueByPart() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2, 1));
        uint256[] memory weights = _ids(7000, 3000);
        vm.expectEmit(address(models));
        emit IModelRegistry.CompositeRegistered(3, eve, _ids(a, b), weights, 4 ether, "ipfs://composite");
        uint256 id = _compositeAt(eve, _ids(a, b), weights, 4 ether);

        assertEq(models.ownerOf(id), eve);
        IModelRegistry.Model memory m = models.getModel(id);
        assertTrue(m.isComposite);
        assertEq(m.adapterHash, bytes32(0));
        assertEq(m.pricePerRequest, 4 ether);
        (uint256[] memory partIds, uint256[] memory partWeights) = models.parts(id);
        assertEq(partIds, _ids(a, b));
        assertEq(partWeights, weights);

        assertEq(models.datanetIds(id), _ids(1, 2));
        assertTrue(models.usesDatanet(id, 2));
        assertFalse(models.usesDatanet(id, 3));
        assertTrue(models.isRequestable(id));

        (address[] memory recipients, uint256[] memory shares) = models.revenueShares(id);
        assertEq(recipients.length, 2);
        assertEq(recipients[0], bob);
        assertEq(recipients[1], carol);
        assertEq(shares, weights);

        // Shares follow the part tokens to their new holders.
        vm.prank(bob);
        models.transferFrom(bob, eve, a);
        (recipients,) = models.revenueShares(id);
        assertEq(recipients[0], eve);
    }

    function test_isRequestable_compositeNeedsEveryPartActive() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        uint256 id = _composite(eve, _ids(a, b), _ids(5000, 5000));
        vm.prank(carol);
        models.pause(b);
        assertFalse(models.isRequestable(id));
        vm.prank(carol);
        models.unpause(b);
        assertTrue(models.isRequestable(id));
        vm.prank(governance);
        models.delist(a, "licence breach");
        assertFalse(models.isRequestable(id));
    }

    function test_setComposable_blocksNewAndExistingComposites() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        uint256 id = _composite(eve, _ids(a, b), _ids(5000, 5000));
        assertTrue(models.isComposable(b));

        vm.expectEmit(address(models));
        emit IModelRegistry.ModelComposableSet(b, false);
        vm.prank(carol);
        models.setComposable(b, false);
        assertFalse(models.isComposable(b));
        assertFalse(models.isRequestable(id));
        assertTrue(models.isRequestable(b));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelCompositionBlocked.selector, b));
        _composite(eve, _ids(a, b), _ids(4000, 6000));

        vm.prank(carol);
        models.setComposable(b, true);
        assertTrue(models.isRequestable(id));
    }

    function test_RevertWhen_registerCompositeUnderpricesPart() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        // 30% of 3 OPEN is 0.9 OPEN, below part b's 1 OPEN.
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelCompositeUnderpricesPart.selector, b, 1 ether, 0.9 ether)
        );
        _composite(eve, _ids(a, b), _ids(7000, 3000));
        // At exactly the part's price the composite is accepted.
        uint256 id = _compositeAt(eve, _ids(a, b), _ids(7000, 3000), uint256(10 ether) / 3 + 1);
        assertTrue(models.isRequestable(id));
    }

    function test_RevertWhen_setPriceOfCompositeUnderpricesPart() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        uint256 id = _composite(eve, _ids(a, b), _ids(5000, 5000));
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelCompositeUnderpricesPart.selector, a, 1 ether, 0.5 ether)
        );
        vm.prank(eve);
        models.setPrice(id, 1 ether);
        vm.prank(eve);
        models.setPrice(id, 2 ether);
        assertEq(models.priceOf(id), 2 ether);
    }

    function test_isRequestable_falseWhilePartCostsMoreThanItsShare() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        uint256 id = _composite(eve, _ids(a, b), _ids(5000, 5000));
        // A part may raise its price past its share (1.5 OPEN); the composite then stops taking requests.
        vm.prank(carol);
        models.setPrice(b, 1.5 ether + 1);
        assertFalse(models.isRequestable(id));
        assertTrue(models.isRequestable(b));
        vm.prank(carol);
        models.setPrice(b, 1.5 ether);
        assertTrue(models.isRequestable(id));
        vm.prank(carol);
        models.setPrice(b, 2 ether);
        vm.prank(eve);
        models.setPrice(id, 4 ether);
        assertTrue(models.isRequestable(id));
    }

    function testFuzz_registerComposite_partShareCoversPartPrice(uint256 price, uint256 weight, uint256 partPrice)
        public
    {
        weight = bound(weight, 1, 9999);
        price = bound(price, 0, 1e30);
        partPrice = bound(partPrice, 0, 1e30);
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        vm.prank(bob);
        models.setPrice(a, 0);
        vm.prank(carol);
        models.setPrice(b, partPrice);
        uint256 share = price * (10_000 - weight) / 10_000;
        if (share < partPrice) {
            vm.expectRevert(
                abi.encodeWithSelector(IModelRegistry.ModelCompositeUnderpricesPart.selector, b, partPrice, share)
            );
        }
        _compositeAt(eve, _ids(a, b), _ids(weight, 10_000 - weight), price);
    }

    function test_RevertWhen_setComposableByStranger() public {
        uint256 a = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAuthorized.selector, a, eve));
        vm.prank(eve);
        models.setComposable(a, false);
    }

    function test_RevertWhen_setComposableUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 3));
        models.setComposable(3, false);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 3));
        models.isComposable(3);
    }

    function test_RevertWhen_registerCompositeWithOnePart() public {
        uint256 a = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInvalidPartCount.selector, 1, 16));
        _composite(eve, _ids(a), _ids(10_000));
    }

    function test_RevertWhen_registerCompositeWithTooManyParts() public {
        uint256[] memory partIds = new uint256[](17);
        uint256[] memory weights = new uint256[](17);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInvalidPartCount.selector, 17, 16));
        _composite(eve, partIds, weights);
    }

    function test_RevertWhen_registerCompositeWithMismatchedWeights() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelPartWeightLengthMismatch.selector, 2, 1));
        _composite(eve, _ids(a, b), _ids(10_000));
    }

    function test_RevertWhen_registerCompositeWithUnknownPart() public {
        uint256 a = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 99));
        _composite(eve, _ids(a, 99), _ids(5000, 5000));
    }

    function test_RevertWhen_registerCompositeOfComposite() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        uint256 c = _composite(eve, _ids(a, b), _ids(5000, 5000));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNestedComposite.selector, c));
        _composite(eve, _ids(a, c), _ids(5000, 5000));
    }

    function test_RevertWhen_registerCompositeWithPausedPart() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        vm.prank(carol);
        models.pause(b);
        vm.expectRevert(_invalidStatus(b, IModelRegistry.ModelStatus.Paused));
        _composite(eve, _ids(a, b), _ids(5000, 5000));
    }

    function test_RevertWhen_registerCompositeWithZeroWeight() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelZeroPartWeight.selector, b));
        _composite(eve, _ids(a, b), _ids(10_000, 0));
    }

    function test_RevertWhen_registerCompositeWithDuplicatePart() public {
        uint256 a = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDuplicatePart.selector, a));
        _composite(eve, _ids(a, a), _ids(5000, 5000));
    }

    function test_RevertWhen_registerCompositeWeightsNotTotal() public {
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelPartWeightsNotTotal.selector, 9999));
        _composite(eve, _ids(a, b), _ids(5000, 4999));
    }

    function test_RevertWhen_registerCompositeGathersTooManyDatanets() public {
        vm.startPrank(alice);
        for (uint256 d = 3; d <= 33; ++d) {
            datanets.createDatanet(IDatanetRegistry.DatanetConfig("ipfs://more", 0, 0, 1 days), new address[](0));
        }
        vm.stopPrank();
        uint256[] memory first = new uint256[](32);
        uint256[] memory second = new uint256[](32);
        for (uint256 i; i < 32; ++i) {
            first[i] = i + 1;
            second[i] = i + 2;
        }
        uint256 a = _register(alice, first);
        uint256 b = _register(alice, second);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInvalidDatanetCount.selector, 33, 32));
        _composite(eve, _ids(a, b), _ids(5000, 5000));
    }

    function test_registerComposite_acceptsSixteenParts() public {
        uint256[] memory partIds = new uint256[](16);
        uint256[] memory weights = new uint256[](16);
        for (uint256 i; i < 16; ++i) {
            partIds[i] = _register(bob, _ids(1));
            weights[i] = 625;
        }
        // 625 bps of 16 OPEN is 1 OPEN, exactly each part's own price.
        uint256 id = _compositeAt(eve, partIds, weights, 16 ether);
        assertEq(models.datanetIds(id), _ids(1));
        (address[] memory recipients,) = models.revenueShares(id);
        assertEq(recipients.length, 16);
    }

    // ------------------------------------------------------------------------------------------------------
    // Owner actions
    // ------------------------------------------------------------------------------------------------------

    function test_setPrice_byOwnerAndApproved() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelRepriced(id, 5 ether);
        vm.prank(bob);
        models.setPrice(id, 5 ether);
        assertEq(models.getModel(id).pricePerRequest, 5 ether);

        vm.prank(bob);
        models.approve(eve, id);
        vm.prank(eve);
        models.setPrice(id, 6 ether);
        assertEq(models.getModel(id).pricePerRequest, 6 ether);
    }

    function test_RevertWhen_setPriceByStranger() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAuthorized.selector, id, eve));
        vm.prank(eve);
        models.setPrice(id, 0);
    }

    function test_RevertWhen_setPriceUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 4));
        models.setPrice(4, 0);
    }

    function test_RevertWhen_setPriceRetired() public {
        uint256 id = _register(bob, _ids(1));
        vm.startPrank(bob);
        models.retire(id);
        vm.expectRevert(_invalidStatus(id, IModelRegistry.ModelStatus.Retired));
        models.setPrice(id, 2 ether);
        vm.stopPrank();
    }

    function test_setMetadataURI_updatesTokenURI() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelMetadataUpdated(id, "ipfs://v2");
        vm.prank(bob);
        models.setMetadataURI(id, "ipfs://v2");
        assertEq(models.tokenURI(id), "ipfs://v2");
    }

    function test_RevertWhen_setMetadataURIByStranger() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAuthorized.selector, id, eve));
        vm.prank(eve);
        models.setMetadataURI(id, "x");
    }

    function test_RevertWhen_setMetadataURIDelisted() public {
        uint256 id = _register(bob, _ids(1));
        vm.prank(governance);
        models.delist(id, "spam");
        vm.expectRevert(_invalidStatus(id, IModelRegistry.ModelStatus.Delisted));
        vm.prank(bob);
        models.setMetadataURI(id, "x");
    }

    function test_pauseUnpause_togglesRequestable() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelPaused(id);
        vm.prank(bob);
        models.pause(id);
        assertEq(uint8(_status(id)), uint8(IModelRegistry.ModelStatus.Paused));
        assertFalse(models.isRequestable(id));

        vm.expectEmit(address(models));
        emit IModelRegistry.ModelUnpaused(id);
        vm.prank(bob);
        models.unpause(id);
        assertEq(uint8(_status(id)), uint8(IModelRegistry.ModelStatus.Active));
        assertTrue(models.isRequestable(id));
    }

    function test_RevertWhen_pausePaused() public {
        uint256 id = _register(bob, _ids(1));
        vm.startPrank(bob);
        models.pause(id);
        vm.expectRevert(_invalidStatus(id, IModelRegistry.ModelStatus.Paused));
        models.pause(id);
        vm.stopPrank();
    }

    function test_RevertWhen_pauseByStranger() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAuthorized.selector, id, eve));
        vm.prank(eve);
        models.pause(id);
    }

    function test_RevertWhen_unpauseActive() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectRevert(_invalidStatus(id, IModelRegistry.ModelStatus.Active));
        vm.prank(bob);
        models.unpause(id);
    }

    function test_RevertWhen_unpauseByStranger() public {
        uint256 id = _register(bob, _ids(1));
        vm.prank(bob);
        models.pause(id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAuthorized.selector, id, eve));
        vm.prank(eve);
        models.unpause(id);
    }

    function test_retire_fromPausedIsFinal() public {
        uint256 id = _register(bob, _ids(1));
        vm.startPrank(bob);
        models.pause(id);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelRetired(id);
        models.retire(id);
        assertEq(uint8(_status(id)), uint8(IModelRegistry.ModelStatus.Retired));
        assertFalse(models.isRequestable(id));
        vm.expectRevert(_invalidStatus(id, IModelRegistry.ModelStatus.Retired));
        models.unpause(id);
        vm.expectRevert(_invalidStatus(id, IModelRegistry.ModelStatus.Retired));
        models.retire(id);
        vm.stopPrank();
    }

    function test_RevertWhen_retireByStranger() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAuthorized.selector, id, eve));
        vm.prank(eve);
        models.retire(id);
    }

    function test_delist_byGovernance() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelDelisted(id, "copyright");
        vm.prank(governance);
        models.delist(id, "copyright");
        assertEq(uint8(_status(id)), uint8(IModelRegistry.ModelStatus.Delisted));
        assertFalse(models.isRequestable(id));
        vm.expectRevert(_invalidStatus(id, IModelRegistry.ModelStatus.Delisted));
        vm.prank(bob);
        models.pause(id);
    }

    function test_RevertWhen_delistByModelOwner() public {
        uint256 id = _register(bob, _ids(1));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, bob));
        vm.prank(bob);
        models.delist(id, "");
    }

    function test_RevertWhen_delistTwice() public {
        uint256 id = _register(bob, _ids(1));
        vm.startPrank(governance);
        models.delist(id, "spam");
        vm.expectRevert(_invalidStatus(id, IModelRegistry.ModelStatus.Delisted));
        models.delist(id, "spam");
        vm.stopPrank();
    }

    function test_RevertWhen_delistUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 1));
        vm.prank(governance);
        models.delist(1, "");
    }

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    function test_revenueShares_plainModelFollowsToken() public {
        uint256 id = _register(bob, _ids(1));
        (address[] memory recipients, uint256[] memory weights) = models.revenueShares(id);
        assertEq(recipients.length, 1);
        assertEq(recipients[0], bob);
        assertEq(weights, _ids(10_000));
        vm.prank(bob);
        models.transferFrom(bob, carol, id);
        (recipients,) = models.revenueShares(id);
        assertEq(recipients[0], carol);
    }

    function test_RevertWhen_viewingUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 1));
        models.getModel(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 1));
        models.priceOf(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 1));
        models.datanetIds(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 1));
        models.usesDatanet(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 1));
        models.revenueShares(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 1));
        models.parts(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknown.selector, 1));
        models.tokenURI(1);
        assertFalse(models.isRequestable(1));
    }

    // ------------------------------------------------------------------------------------------------------
    // Fuzz
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_setPrice_storesAnyPrice(uint256 price) public {
        uint256 id = _register(bob, _ids(1));
        vm.prank(bob);
        models.setPrice(id, price);
        assertEq(models.getModel(id).pricePerRequest, price);
        assertEq(models.priceOf(id), price);
    }

    function testFuzz_registerComposite_weightsMustTotal(uint256 first, uint256 second) public {
        first = bound(first, 1, 20_000);
        second = bound(second, 1, 20_000);
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        if (first + second != 10_000) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelPartWeightsNotTotal.selector, first + second));
        }
        // 10,000 OPEN covers a 1 OPEN part at any weight from 1 bps.
        _compositeAt(eve, _ids(a, b), _ids(first, second), 10_000 ether);
    }

    function testFuzz_revenueShares_sumToTotal(uint256 first) public {
        first = bound(first, 1, 9999);
        uint256 a = _register(bob, _ids(1));
        uint256 b = _register(carol, _ids(2));
        uint256 id = _compositeAt(eve, _ids(a, b), _ids(first, 10_000 - first), 10_000 ether);
        (, uint256[] memory weights) = models.revenueShares(id);
        assertEq(weights[0] + weights[1], 10_000);
        assertEq(weights[0], first);
    }

    function testFuzz_compositeDatanets_areTheUnionOfParts(uint8[3] memory masks) public {
        vm.startPrank(alice);
        for (uint256 d = 3; d <= 6; ++d) {
            datanets.createDatanet(IDatanetRegistry.DatanetConfig("ipfs://more", 0, 0, 1 days), new address[](0));
        }
        vm.stopPrank();

        uint256[] memory partIds = new uint256[](3);
        bool[7] memory expected;
        for (uint256 p; p < 3; ++p) {
            uint256 mask = bound(masks[p], 1, 63);
            uint256[] memory ids = new uint256[](6);
            uint256 n;
            // Highest datanet first, so the union's order is not simply ascending.
            for (uint256 d = 6; d >= 1; --d) {
                if ((mask >> (d - 1)) & 1 == 1) {
                    ids[n++] = d;
                    expected[d] = true;
                }
            }
            assembly ("memory-safe") {
                mstore(ids, n)
            }
            partIds[p] = _register(alice, ids);
        }
        uint256[] memory weights = new uint256[](3);
        (weights[0], weights[1], weights[2]) = (3334, 3333, 3333);
        uint256 composite = _compositeAt(eve, partIds, weights, 4 ether);

        uint256[] memory union = models.datanetIds(composite);
        uint256 expectedCount;
        for (uint256 d = 1; d <= 6; ++d) {
            assertEq(models.usesDatanet(composite, d), expected[d]);
            if (expected[d]) ++expectedCount;
        }
        assertEq(union.length, expectedCount);
        for (uint256 i; i < union.length; ++i) {
            assertTrue(expected[union[i]]);
            for (uint256 j; j < i; ++j) {
                assertTrue(union[i] != union[j]);
            }
        }
    }

    function testFuzz_isRequestable_falseForUnknown(uint256 modelId) public view {
        assertFalse(models.isRequestable(modelId));
    }
}
