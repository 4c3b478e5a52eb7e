// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {Deploy} from "../../script/Deploy.s.sol";

contract DeployTest is Test {
    function test_run_wiresAndHandsOwnershipToTimelock() public {
        Deploy.Deployment memory d = new Deploy().run();
        address timelock = address(d.timelock);

        assertEq(d.datanetRegistry.owner(), timelock);
        assertEq(d.modelRegistry.owner(), timelock);
        assertEq(d.contributionVotes.owner(), timelock);
        assertEq(d.keeperRegistry.owner(), timelock);
        assertEq(d.rewardVault.owner(), timelock);
        assertEq(d.market.owner(), timelock);
        assertEq(d.agentRegistry.owner(), timelock);
        assertEq(d.court.owner(), timelock);
        assertEq(d.market.treasury(), timelock);
        assertEq(d.keeperRegistry.treasury(), timelock);

        assertEq(d.keeperRegistry.market(), address(d.market));
        assertEq(d.rewardVault.market(), address(d.market));
        assertTrue(d.contributionVotes.isMinter(address(d.market)));
        assertEq(d.market.court(), address(d.court));
        assertEq(d.keeperRegistry.court(), address(d.court));
        assertEq(address(d.court.market()), address(d.market));
        assertEq(d.court.treasury(), timelock);
        // Local chain: the deployer guards the court and the keeper registry.
        assertEq(d.court.guardian(), d.deployer);
        assertEq(d.keeperRegistry.guardian(), d.deployer);
        assertEq(address(d.governor.timelock()), timelock);
        assertTrue(d.timelock.hasRole(d.timelock.PROPOSER_ROLE(), address(d.governor)));
        assertTrue(d.timelock.hasRole(d.timelock.EXECUTOR_ROLE(), address(0)));
        // Local chain (31337): short periods and the initial supply with the deployer.
        assertEq(d.market.challengeWindow(), 30 seconds);
        assertEq(d.court.parameters().resolutionPeriod, 10 minutes);
        assertEq(d.court.parameters().appealWindow, 2 minutes);
        assertEq(d.timelock.getMinDelay(), 1 minutes);
        assertEq(d.token.balanceOf(d.deployer), 1_000_000_000 ether);
        assertFalse(d.timelock.hasRole(d.timelock.DEFAULT_ADMIN_ROLE(), d.deployer));
        assertTrue(d.timelock.hasRole(d.timelock.DEFAULT_ADMIN_ROLE(), timelock));
    }
}
