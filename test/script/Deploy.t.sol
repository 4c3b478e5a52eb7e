// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {Deploy} from "../../script/Deploy.s.sol";

contract DeployTest is Test {
    address internal guardian = makeAddr("guardian");

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
        assertEq(d.keeperRegistry.ledger(), address(d.ledger));
        assertEq(d.ledger.owner(), timelock);
        assertEq(d.ledger.treasury(), timelock);
        assertEq(d.ledger.guardian(), d.deployer);
        assertEq(d.ledger.keeperRegistry(), address(d.keeperRegistry));
        assertEq(d.ledger.parameters().challengeWindow, 30 seconds);
        assertEq(address(d.court.market()), address(d.market));
        assertEq(d.court.treasury(), timelock);
        // Local chain: the deployer guards the court and the keeper registry.
        assertEq(d.court.guardian(), d.deployer);
        assertEq(d.keeperRegistry.guardian(), d.deployer);
        assertEq(address(d.governor.timelock()), timelock);
        assertTrue(d.timelock.hasRole(d.timelock.PROPOSER_ROLE(), address(d.governor)));
        assertTrue(d.timelock.hasRole(d.timelock.CANCELLER_ROLE(), address(d.governor)));
        assertTrue(d.timelock.hasRole(d.timelock.EXECUTOR_ROLE(), address(0)));
        // Local chain (31337): short periods and the initial supply with the deployer, who is also the guardian.
        assertEq(d.market.challengeWindow(), 30 seconds);
        assertEq(d.court.parameters().resolutionPeriod, 10 minutes);
        assertEq(d.court.parameters().appealWindow, 2 minutes);
        assertEq(d.timelock.getMinDelay(), 1 minutes);
        assertEq(d.governor.quorumFloor(), 0.01 ether);
        assertEq(d.token.balanceOf(d.deployer), 1_000_000_000 ether);
        assertEq(d.guardian, d.deployer);
        assertTrue(d.timelock.hasRole(d.timelock.CANCELLER_ROLE(), d.deployer));
        assertEq(d.agentRegistry.guardian(), d.deployer);
        assertFalse(d.timelock.hasRole(d.timelock.PROPOSER_ROLE(), d.deployer));
        assertFalse(d.timelock.hasRole(d.timelock.DEFAULT_ADMIN_ROLE(), d.deployer));
        assertTrue(d.timelock.hasRole(d.timelock.DEFAULT_ADMIN_ROLE(), timelock));
    }

    function test_deploy_productionDefaults_unbondingOutlastsGovernance() public {
        Deploy script = new Deploy();
        Deploy.Config memory c = script.config(false);
        c.guardian = guardian;
        Deploy.Deployment memory d = script.deploy(c);

        uint256 governanceDelay = d.governor.votingDelay() + d.governor.votingPeriod() + d.timelock.getMinDelay();
        assertEq(governanceDelay, 15 days);
        assertEq(d.keeperRegistry.unbondingDelay(), 21 days);
        assertEq(d.agentRegistry.unbondingDelay(), 21 days);
        assertGt(d.keeperRegistry.unbondingDelay(), governanceDelay);
        assertGt(d.keeperRegistry.unbondingDelay(), d.market.challengeWindow());
        assertGt(d.agentRegistry.unbondingDelay(), governanceDelay);
        assertLt(governanceDelay, d.agentRegistry.MAX_FREEZE_DURATION());

        assertEq(d.governor.quorumFloor(), 100_000 ether);
        assertEq(d.governor.quorumNumerator(), 5);
        assertEq(d.governor.proposalThreshold(), 10_000 ether);
        assertEq(d.guardian, guardian);
        assertTrue(d.timelock.hasRole(d.timelock.CANCELLER_ROLE(), guardian));
        assertFalse(d.timelock.hasRole(d.timelock.CANCELLER_ROLE(), d.deployer));
        assertEq(d.agentRegistry.guardian(), guardian);
        assertEq(d.agentRegistry.owner(), address(d.timelock));
    }

    function test_deploy_productionWithoutGuardian() public {
        Deploy script = new Deploy();
        Deploy.Config memory c = script.config(false);
        c.guardian = address(0);
        Deploy.Deployment memory d = script.deploy(c);
        assertEq(d.guardian, address(0));
        assertFalse(d.timelock.hasRole(d.timelock.CANCELLER_ROLE(), address(0)));
        assertFalse(d.timelock.hasRole(d.timelock.CANCELLER_ROLE(), d.deployer));
        assertEq(d.agentRegistry.guardian(), address(0));
    }

    function test_RevertWhen_productionRunWithoutGuardian() public {
        vm.chainId(10);
        Deploy script = new Deploy();
        vm.expectRevert(Deploy.DeployGuardianNotSet.selector);
        script.run();
    }

    function test_RevertWhen_productionUnbondingWithinGovernanceDelay() public {
        Deploy script = new Deploy();
        Deploy.Config memory c = script.config(false);
        c.keeperUnbondingDelay = 15 days;
        vm.expectRevert(
            abi.encodeWithSelector(Deploy.DeployUnbondingDelayTooShort.selector, "keeper", 15 days, 15 days)
        );
        script.deploy(c);

        c = script.config(false);
        c.agentUnbondingDelay = 7 days;
        vm.expectRevert(abi.encodeWithSelector(Deploy.DeployUnbondingDelayTooShort.selector, "agent", 7 days, 15 days));
        script.deploy(c);
    }
}
