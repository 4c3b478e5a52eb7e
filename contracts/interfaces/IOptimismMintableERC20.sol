// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title IOptimismMintableERC20
/// @notice The interface the OP Stack standard bridge expects of a token it mints and burns on the remote
/// chain (ERC-165 id 0xec4fc8e3).
interface IOptimismMintableERC20 is IERC165 {
    /// @notice The token this one represents on the other chain.
    function remoteToken() external view returns (address);

    /// @notice The standard bridge allowed to mint and burn.
    function bridge() external view returns (address);

    /// @notice Mints `amount` to `to`; only the bridge.
    /// @param to The account credited.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from`; only the bridge.
    /// @param from The account debited.
    /// @param amount The amount.
    function burn(address from, uint256 amount) external;
}

/// @title ILegacyMintableERC20
/// @notice The older form of the bridge interface, still checked by the standard bridge for legacy tokens
/// (ERC-165 id 0x1d1d8b63).
interface ILegacyMintableERC20 is IERC165 {
    /// @notice The token this one represents on the other chain.
    function l1Token() external view returns (address);

    /// @notice Mints `amount` to `to`; only the bridge.
    /// @param to The account credited.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from`; only the bridge.
    /// @param from The account debited.
    /// @param amount The amount.
    function burn(address from, uint256 amount) external;
}
