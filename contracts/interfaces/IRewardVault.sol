// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRewardVault
/// @notice Pull-payment balances of everyone the market pays (treasury, keepers, model owners, data
/// contributors, datanet owners). Only the market credits, and every credit pulls the OPEN it credits in
/// the same call, so the vault always holds at least the sum of unclaimed balances.
interface IRewardVault {
    // ─── Errors ───────────────────────────────────────────────────────────────

    /// @notice The caller is not the market.
    error VaultCallerNotMarket(address caller);
    /// @notice A zero address was given where an account is required.
    error VaultZeroAddress();
    /// @notice `accounts` and `amounts` differ in length.
    error VaultLengthMismatch(uint256 accounts, uint256 amounts);
    /// @notice The account has nothing to claim.
    error VaultNothingToClaim(address account);
    /// @notice The claim authorisation expired.
    error VaultClaimExpired(uint256 deadline, uint256 timestamp);
    /// @notice The claim authorisation was not signed by the account.
    error VaultInvalidClaimSignature(address account, address signer);

    // ─── Events ───────────────────────────────────────────────────────────────

    /// @notice `account` was credited `amount` OPEN.
    event Credited(address indexed account, uint256 amount);
    /// @notice `account` claimed `amount` OPEN to `to`.
    event Claimed(address indexed account, address indexed to, uint256 amount);
    /// @notice The market allowed to credit changed.
    event MarketSet(address indexed market);

    // ─── Actions ──────────────────────────────────────────────────────────────

    /// @notice Credits `amounts[i]` to `accounts[i]` and pulls their sum in OPEN from the market.
    /// @dev Only the market. An account may appear more than once.
    /// @param accounts Accounts to credit.
    /// @param amounts OPEN credited to each account.
    function credit(address[] calldata accounts, uint256[] calldata amounts) external;

    /// @notice Pays the caller's whole balance to `to`.
    /// @param to Receiver of the OPEN.
    /// @return amount OPEN paid.
    function claim(address to) external returns (uint256 amount);

    /// @notice Pays `account`'s whole balance to `to`, authorised by an EIP-712 `Claim` signature of
    /// `account`; lets a relayer pay the gas.
    /// @dev Typed data: `Claim(address account,address to,uint256 nonce,uint256 deadline)`, domain
    /// {name: "PayableAI RewardVault", version: "1", chainId, verifyingContract: vault}. The nonce is
    /// `nonces(account)` and is used up by the claim.
    /// @param account The credited account that signed.
    /// @param to Receiver of the OPEN.
    /// @param deadline Last timestamp at which the signature is valid.
    /// @param signature 65-byte ECDSA signature of `account`.
    /// @return amount OPEN paid.
    function claimFor(address account, address to, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 amount);

    /// @notice Sets the market allowed to credit.
    /// @param market The InferenceMarket.
    function setMarket(address market) external;

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @notice Unclaimed OPEN of `account`.
    /// @param account The account.
    /// @return OPEN claimable now.
    function balanceOf(address account) external view returns (uint256);

    /// @notice OPEN ever credited to `account`.
    /// @param account The account.
    /// @return Lifetime credits.
    function totalCreditedTo(address account) external view returns (uint256);

    /// @notice OPEN ever claimed by `account`.
    /// @param account The account.
    /// @return Lifetime claims.
    function totalClaimedBy(address account) external view returns (uint256);

    /// @notice Sum of all unclaimed balances.
    /// @return OPEN owed by the vault.
    function totalOutstanding() external view returns (uint256);

    /// @notice Next `claimFor` nonce of `account`.
    /// @param account The account.
    /// @return The nonce a `Claim` signature must carry.
    function nonces(address account) external view returns (uint256);

    /// @notice The credited token.
    /// @return The OPEN token.
    function token() external view returns (address);

    /// @notice The market allowed to credit.
    /// @return The InferenceMarket, or zero before it is set.
    function market() external view returns (address);
}
