// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IRewardVault} from "./interfaces/IRewardVault.sol";

/// @title RewardVault
/// @notice Pull-payment balances credited by the market. See {IRewardVault}.
contract RewardVault is IRewardVault, Ownable, EIP712, Nonces, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice EIP-712 type hash of the `Claim` authorisation used by `claimFor`.
    bytes32 public constant CLAIM_TYPEHASH =
        keccak256("Claim(address account,address to,uint256 nonce,uint256 deadline)");

    /// @inheritdoc IRewardVault
    address public immutable token;
    /// @inheritdoc IRewardVault
    address public market;
    /// @inheritdoc IRewardVault
    uint256 public totalOutstanding;

    /// @inheritdoc IRewardVault
    mapping(address account => uint256) public balanceOf;
    /// @inheritdoc IRewardVault
    mapping(address account => uint256) public totalCreditedTo;
    /// @inheritdoc IRewardVault
    mapping(address account => uint256) public totalClaimedBy;

    /// @param token_ The OPEN token.
    /// @param owner_ Owner (the governance timelock once deployed).
    constructor(address token_, address owner_) Ownable(owner_) EIP712("PayableAI RewardVault", "1") {
        if (token_ == address(0)) revert VaultZeroAddress();
        token = token_;
    }

    /// @inheritdoc IRewardVault
    function credit(address[] calldata accounts, uint256[] calldata amounts) external nonReentrant {
        if (msg.sender != market) revert VaultCallerNotMarket(msg.sender);
        if (accounts.length != amounts.length) revert VaultLengthMismatch(accounts.length, amounts.length);
        uint256 total;
        for (uint256 i; i < accounts.length; ++i) {
            (address account, uint256 amount) = (accounts[i], amounts[i]);
            if (amount == 0) continue;
            if (account == address(0)) revert VaultZeroAddress();
            balanceOf[account] += amount;
            totalCreditedTo[account] += amount;
            total += amount;
            emit Credited(account, amount);
        }
        if (total == 0) return;
        totalOutstanding += total;
        IERC20(token).safeTransferFrom(msg.sender, address(this), total);
    }

    /// @inheritdoc IRewardVault
    function claim(address to) external nonReentrant returns (uint256 amount) {
        return _claim(msg.sender, to);
    }

    /// @inheritdoc IRewardVault
    function claimFor(address account, address to, uint256 deadline, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 amount)
    {
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert VaultClaimExpired(deadline, block.timestamp);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(CLAIM_TYPEHASH, account, to, _useNonce(account), deadline)));
        (address signer,,) = ECDSA.tryRecover(digest, signature);
        if (signer != account || signer == address(0)) revert VaultInvalidClaimSignature(account, signer);
        return _claim(account, to);
    }

    /// @inheritdoc IRewardVault
    function setMarket(address market_) external onlyOwner {
        if (market_ == address(0)) revert VaultZeroAddress();
        market = market_;
        emit MarketSet(market_);
    }

    /// @inheritdoc IRewardVault
    function nonces(address account) public view override(IRewardVault, Nonces) returns (uint256) {
        return super.nonces(account);
    }

    function _claim(address account, address to) internal returns (uint256 amount) {
        if (to == address(0)) revert VaultZeroAddress();
        amount = balanceOf[account];
        if (amount == 0) revert VaultNothingToClaim(account);
        balanceOf[account] = 0;
        totalClaimedBy[account] += amount;
        totalOutstanding -= amount;
        emit Claimed(account, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }
}
