// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {IOpenToken} from "./interfaces/IOpenToken.sol";
import {ILegacyMintableERC20, IOptimismMintableERC20} from "./interfaces/IOptimismMintableERC20.sol";

/// @title OpenToken
/// @notice OPEN: capped ERC-20 with permits, bridgeable through the OP Stack standard bridge.
contract OpenToken is ERC20Capped, ERC20Permit, IOpenToken {
    address private immutable _remoteToken;
    address private immutable _bridge;

    /// @param remoteToken_ The token on the other chain (zero on the home chain if not bridged yet).
    /// @param bridge_ The standard bridge allowed to mint and burn (zero on the home chain).
    /// @param cap_ Maximum total supply.
    /// @param initialHolder Receives `initialSupply` (ignored when the supply is zero).
    /// @param initialSupply Minted at deployment; zero on a bridged chain.
    constructor(address remoteToken_, address bridge_, uint256 cap_, address initialHolder, uint256 initialSupply)
        ERC20("Open", "OPEN")
        ERC20Capped(cap_)
        ERC20Permit("Open")
    {
        _remoteToken = remoteToken_;
        _bridge = bridge_;
        if (initialSupply > 0) _mint(initialHolder, initialSupply);
    }

    modifier onlyBridge() {
        if (msg.sender != _bridge || _bridge == address(0)) revert OpenTokenOnlyBridge(msg.sender);
        _;
    }

    /// @inheritdoc IOpenToken
    function mint(address to, uint256 amount) external override onlyBridge {
        _mint(to, amount);
        emit Mint(to, amount);
    }

    /// @inheritdoc IOpenToken
    function burn(address from, uint256 amount) external override onlyBridge {
        _burn(from, amount);
        emit Burn(from, amount);
    }

    /// @inheritdoc IOptimismMintableERC20
    function remoteToken() external view returns (address) {
        return _remoteToken;
    }

    /// @inheritdoc ILegacyMintableERC20
    function l1Token() external view returns (address) {
        return _remoteToken;
    }

    /// @inheritdoc IOptimismMintableERC20
    function bridge() external view returns (address) {
        return _bridge;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC165).interfaceId || interfaceId == type(IOptimismMintableERC20).interfaceId
            || interfaceId == type(ILegacyMintableERC20).interfaceId;
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped) {
        super._update(from, to, value);
    }
}
