// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {DatanetRegistry} from "../../contracts/DatanetRegistry.sol";
import {OpenToken} from "../../contracts/OpenToken.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {DatanetRegistryHandler} from "./DatanetRegistryHandler.sol";

contract DatanetRegistryInvariantTest is StdInvariant, Test {
    OpenToken internal open;
    DatanetRegistry internal registry;
    DatanetRegistryHandler internal handler;
    address internal treasury = makeAddr("treasury");
    address[] internal actors;

    function setUp() public {
        open = new OpenToken(address(0), address(0), 1_000_000_000 ether, address(this), 10_000_000 ether);
        registry = new DatanetRegistry(IERC20(address(open)), makeAddr("governance"), treasury, 1 hours, 7 days);
        for (uint256 i; i < 5; ++i) {
            address actor = makeAddr(string.concat("actor", vm.toString(i)));
            actors.push(actor);
            assertTrue(open.transfer(actor, 1_000_000 ether));
            vm.prank(actor);
            open.approve(address(registry), type(uint256).max);
        }
        handler = new DatanetRegistryHandler(registry, open, actors);

        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = handler.createDatanet.selector;
        selectors[1] = handler.updateDatanet.selector;
        selectors[2] = handler.contribute.selector;
        selectors[3] = handler.review.selector;
        selectors[4] = handler.withdraw.selector;
        selectors[5] = handler.setPayee.selector;
        selectors[6] = handler.requestAccess.selector;
        selectors[7] = handler.settleAccess.selector;
        selectors[8] = handler.revokeAccess.selector;
        selectors[9] = handler.transferDatanetOwnership.selector;
        selectors[10] = handler.toggleCurator.selector;
        selectors[11] = handler.commit.selector;
        selectors[12] = handler.reveal.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @dev Sums the liabilities straight from the registry's own state, not from handler bookkeeping.
    function _liabilities() internal view returns (uint256 bonds, uint256 fees) {
        uint256 contributions = registry.contributionCount();
        for (uint256 id = 1; id <= contributions; ++id) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            if (c.status == IDatanetRegistry.ContributionStatus.Pending) bonds += c.bond;
        }
        uint256 datanets = registry.datanetCount();
        for (uint256 d = 1; d <= datanets; ++d) {
            for (uint256 i; i < actors.length; ++i) {
                fees += registry.accessOf(d, actors[i]).escrowedFee;
            }
        }
    }

    function invariant_balanceEqualsBondsPlusEscrowedFees() public view {
        (uint256 bonds, uint256 fees) = _liabilities();
        assertEq(open.balanceOf(address(registry)), bonds + fees);
    }

    function invariant_tokensAreConserved() public view {
        uint256 held = open.balanceOf(address(this)) + open.balanceOf(address(registry)) + open.balanceOf(treasury);
        for (uint256 i; i < actors.length; ++i) {
            held += open.balanceOf(actors[i]);
        }
        assertEq(held, open.totalSupply());
    }

    function invariant_escrowOnlyOnPendingRequests() public view {
        uint256 datanets = registry.datanetCount();
        for (uint256 d = 1; d <= datanets; ++d) {
            for (uint256 i; i < actors.length; ++i) {
                IDatanetRegistry.AccessRecord memory record = registry.accessOf(d, actors[i]);
                if (record.status != IDatanetRegistry.AccessStatus.Requested) assertEq(record.escrowedFee, 0);
            }
        }
    }

    function invariant_curatorCountMatchesFlags() public view {
        uint256 datanets = registry.datanetCount();
        for (uint256 d = 1; d <= datanets; ++d) {
            uint256 flagged;
            for (uint256 i; i < actors.length; ++i) {
                if (registry.isCurator(d, actors[i])) ++flagged;
            }
            assertEq(registry.getDatanet(d).curatorCount, flagged);
        }
    }

    /// @dev Every accepted contribution holds its hash, so no two copies of one hash are ever accepted; otherwise
    /// the hash is held only by a pending copy revealed from a commitment (the claimant).
    function invariant_hashIndexPointsAtAcceptedOrClaimant() public view {
        uint256 contributions = registry.contributionCount();
        for (uint256 id = 1; id <= contributions; ++id) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            uint256 holder = registry.contributionByHash(c.datanetId, c.contentHash);
            if (c.status == IDatanetRegistry.ContributionStatus.Accepted) {
                assertEq(holder, id);
            } else if (holder == id) {
                assertEq(uint8(c.status), uint8(IDatanetRegistry.ContributionStatus.Pending));
                assertGt(c.commitBlock, 0);
            }
        }
    }

    /// @dev A claimant's commitment is no later than that of any pending committed copy revealed after it.
    function invariant_claimantCommittedNoLaterThanLaterCopies() public view {
        uint256 contributions = registry.contributionCount();
        for (uint256 id = 1; id <= contributions; ++id) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            if (c.status != IDatanetRegistry.ContributionStatus.Pending || c.commitBlock == 0) continue;
            uint256 holder = registry.contributionByHash(c.datanetId, c.contentHash);
            if (holder == 0 || holder >= id) continue;
            IDatanetRegistry.Contribution memory claimant = registry.getContribution(holder);
            if (claimant.status == IDatanetRegistry.ContributionStatus.Pending) {
                assertLe(claimant.commitBlock, c.commitBlock);
            }
        }
    }

    /// @dev A contributor's copies of one hash in one datanet: only the latest may be live or rejected, every
    /// earlier one was withdrawn (no second pending copy, no resubmission after a rejection).
    function invariant_contributorResubmitsOnlyAfterWithdrawal() public view {
        uint256 contributions = registry.contributionCount();
        for (uint256 id = 1; id <= contributions; ++id) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            uint256 latest = registry.contributionOf(c.datanetId, c.contentHash, c.contributor);
            assertGe(latest, id);
            if (latest != id) assertEq(uint8(c.status), uint8(IDatanetRegistry.ContributionStatus.Withdrawn));
        }
    }

    function invariant_reviewDeadlineFixedAtSubmission() public view {
        uint256 contributions = registry.contributionCount();
        for (uint256 id = 1; id <= contributions; ++id) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            assertEq(c.reviewDeadline, c.submittedAt + handler.timeoutAtSubmission(id));
        }
    }
}
