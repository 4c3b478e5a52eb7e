// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IContributionVotes} from "./interfaces/IContributionVotes.sol";

/// @title ContributionVotes
/// @notice Non-transferable, timestamp-clocked votes earned by creating value on the network.
contract ContributionVotes is ERC20Votes, Ownable, IContributionVotes {
    mapping(address account => bool) private _minters;

    /// @param initialOwner Owner until the deployment hands the contract to the governance timelock.
    constructor(address initialOwner)
        ERC20("Payable AI Contribution Votes", "vOPEN")
        EIP712("Payable AI Contribution Votes", "1")
        Ownable(initialOwner)
    {}

    /// @inheritdoc IContributionVotes
    function mint(address to, uint256 amount) external {
        if (!_minters[msg.sender]) revert ContributionVotesUnauthorizedMinter(msg.sender);
        // Delegating before minting lets the mint itself add the new voting units to the checkpoint.
        if (to != address(0) && delegates(to) == address(0)) _delegate(to, to);
        _mint(to, amount);
    }

    /// @inheritdoc IContributionVotes
    function setMinter(address minter, bool allowed) external onlyOwner {
        if (minter == address(0)) revert ContributionVotesZeroAddress();
        _minters[minter] = allowed;
        emit MinterSet(minter, allowed);
    }

    /// @inheritdoc IContributionVotes
    function isMinter(address account) external view returns (bool) {
        return _minters[account];
    }

    /// @notice Approvals are refused: the token cannot be transferred.
    function approve(address, uint256) public pure override returns (bool) {
        revert ContributionVotesNonTransferable();
    }

    /// @notice The ERC-6372 clock: the block timestamp.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice The ERC-6372 clock mode.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) revert ContributionVotesNonTransferable();
        super._update(from, to, value);
    }
}
