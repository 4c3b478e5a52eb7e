// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IContributionVotes
/// @notice Governance weight for value created: a non-transferable ERC20Votes token minted one to one for the
/// OPEN that data contributors and model owners earn. Only authorised minters (the inference market) mint;
/// an account delegates to itself on its first mint unless it already chose a delegate. The clock is the
/// block timestamp (ERC-6372 `mode=timestamp`).
interface IContributionVotes {
    /// @notice Tokens cannot move between accounts (nor be approved to move).
    error ContributionVotesNonTransferable();
    /// @notice `caller` is not an authorised minter.
    error ContributionVotesUnauthorizedMinter(address caller);
    /// @notice A zero address was given where an account is required.
    error ContributionVotesZeroAddress();

    /// @notice `minter` was authorised (`allowed`) or deauthorised.
    event MinterSet(address indexed minter, bool allowed);

    /// @notice Mints votes to `to`; only authorised minters. Delegates `to` to itself if it has no delegate.
    /// Minting zero is a no-op apart from that delegation.
    /// @param to The account credited.
    /// @param amount The amount of votes.
    function mint(address to, uint256 amount) external;

    /// @notice Authorises or deauthorises a minter; only the contract owner (the governance timelock).
    /// @param minter The account.
    /// @param allowed Whether it may mint.
    function setMinter(address minter, bool allowed) external;

    /// @notice Whether `account` may mint.
    /// @param account The account.
    function isMinter(address account) external view returns (bool);
}
