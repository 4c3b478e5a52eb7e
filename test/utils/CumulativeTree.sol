// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @notice The keepers' tree of cumulative earnings, built in tests: leaves `(address, uint256)` hashed as
/// OpenZeppelin's StandardMerkleTree hashes them, pairs with sorted hashing as MerkleProof verifies them, the last
/// node of an odd layer moving up unchanged.
library CumulativeTree {
    function leaf(address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
    }

    function root(address[] memory accounts, uint256[] memory amounts) internal pure returns (bytes32) {
        bytes32[] memory layer = _leaves(accounts, amounts);
        while (layer.length > 1) {
            layer = _up(layer);
        }
        return layer[0];
    }

    function proof(address[] memory accounts, uint256[] memory amounts, uint256 index)
        internal
        pure
        returns (bytes32[] memory path)
    {
        bytes32[] memory layer = _leaves(accounts, amounts);
        bytes32[] memory nodes = new bytes32[](64);
        uint256 depth;
        while (layer.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < layer.length) nodes[depth++] = layer[sibling];
            layer = _up(layer);
            index /= 2;
        }
        path = new bytes32[](depth);
        for (uint256 i; i < depth; ++i) {
            path[i] = nodes[i];
        }
    }

    function _leaves(address[] memory accounts, uint256[] memory amounts) private pure returns (bytes32[] memory l) {
        l = new bytes32[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            l[i] = leaf(accounts[i], amounts[i]);
        }
    }

    function _up(bytes32[] memory layer) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((layer.length + 1) / 2);
        for (uint256 i; i < next.length; ++i) {
            next[i] =
                2 * i + 1 < layer.length ? Hashes.commutativeKeccak256(layer[2 * i], layer[2 * i + 1]) : layer[2 * i];
        }
    }
}
