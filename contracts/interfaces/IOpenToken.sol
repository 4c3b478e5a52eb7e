// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILegacyMintableERC20, IOptimismMintableERC20} from "./IOptimismMintableERC20.sol";

/// @title IOpenToken
/// @notice OPEN, the protocol's capped ERC-20 (with EIP-2612 permits). The initial supply is minted on the home
/// chain at deployment; on an OP Stack chain the same contract is deployed with the standard bridge as `bridge`
/// and the home-chain token as `remoteToken`, and only the bridge mints and burns.
interface IOpenToken is IOptimismMintableERC20, ILegacyMintableERC20 {
    /// @notice `caller` is not the bridge (on the home chain, where the bridge is zero, nobody is).
    error OpenTokenOnlyBridge(address caller);

    /// @notice The bridge minted `amount` to `account`.
    event Mint(address indexed account, uint256 amount);
    /// @notice The bridge burned `amount` from `account`.
    event Burn(address indexed account, uint256 amount);

    /// @notice Mints `amount` to `to`; only the bridge, and never above the cap.
    /// @param to The account credited.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external override(IOptimismMintableERC20, ILegacyMintableERC20);

    /// @notice Burns `amount` from `from`; only the bridge.
    /// @param from The account debited.
    /// @param amount The amount.
    function burn(address from, uint256 amount) external override(IOptimismMintableERC20, ILegacyMintableERC20);
}
