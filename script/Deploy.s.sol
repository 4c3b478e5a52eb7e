// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Script} from "forge-std/Script.sol";
import {VmSafe} from "forge-std/Vm.sol";

import {AgentRegistry} from "../contracts/AgentRegistry.sol";
import {ContributionVotes} from "../contracts/ContributionVotes.sol";
import {DatanetRegistry} from "../contracts/DatanetRegistry.sol";
import {InferenceMarket} from "../contracts/InferenceMarket.sol";
import {KeeperRegistry} from "../contracts/KeeperRegistry.sol";
import {ModelRegistry} from "../contracts/ModelRegistry.sol";
import {OpenGovernor} from "../contracts/OpenGovernor.sol";
import {OpenToken} from "../contracts/OpenToken.sol";
import {ReportCourt} from "../contracts/ReportCourt.sol";
import {RewardVault} from "../contracts/RewardVault.sol";
import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {IOpenGovernor} from "../contracts/interfaces/IOpenGovernor.sol";
import {IReportCourt} from "../contracts/interfaces/IReportCourt.sol";

/// @notice Deploys the whole protocol, wires it, hands every parameter to the governance timelock and, when
/// broadcasting, writes `deployments/<chainId>.json`:
/// `{"chainId": n, "startBlock": n, "contracts": {"OpenToken": "0x..", ...}}`.
///
/// Parameters come from the environment (see `_config`). A local network (chain 31337, or `LOCAL_NETWORK=true`)
/// gets short governance periods and windows so a proposal or a settlement completes in minutes, and the whole
/// initial OPEN supply goes to the deployer.
///
/// forge script script/Deploy.s.sol --broadcast --rpc-url http://127.0.0.1:8545 --private-key <key>
contract Deploy is Script {
    uint256 internal constant OPEN_CAP = 1_000_000_000 ether;

    struct Config {
        bool local;
        address remoteToken;
        address bridge;
        uint256 initialSupply;
        uint64 minReviewTimeout;
        uint64 maxReviewTimeout;
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumPercent;
        uint256 timelockDelay;
        uint256 keeperMinStake;
        uint256 keeperQuorum;
        uint64 keeperUnbondingDelay;
        uint256 agentMinStake;
        uint64 agentUnbondingDelay;
        IInferenceMarket.Parameters market;
        IReportCourt.Parameters court;
    }

    struct Deployment {
        OpenToken token;
        DatanetRegistry datanetRegistry;
        ModelRegistry modelRegistry;
        ContributionVotes contributionVotes;
        TimelockController timelock;
        OpenGovernor governor;
        KeeperRegistry keeperRegistry;
        RewardVault rewardVault;
        InferenceMarket market;
        AgentRegistry agentRegistry;
        ReportCourt court;
        address deployer;
        uint256 startBlock;
    }

    function run() external returns (Deployment memory d) {
        Config memory config = _config();
        d.startBlock = block.number;
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        d.deployer = deployer;
        d.token = new OpenToken(config.remoteToken, config.bridge, OPEN_CAP, deployer, config.initialSupply);
        // The timelock administers itself; the deployer's temporary admin role is renounced below.
        d.timelock = new TimelockController(config.timelockDelay, new address[](0), new address[](1), deployer);
        address timelock = address(d.timelock);

        d.datanetRegistry = new DatanetRegistry(
            IERC20(address(d.token)), timelock, timelock, config.minReviewTimeout, config.maxReviewTimeout
        );
        d.modelRegistry = new ModelRegistry(d.datanetRegistry, timelock);
        d.contributionVotes = new ContributionVotes(deployer);
        d.governor = new OpenGovernor(
            d.contributionVotes,
            d.timelock,
            IOpenGovernor.GovernorConfig({
                votingDelay: config.votingDelay,
                votingPeriod: config.votingPeriod,
                proposalThreshold: config.proposalThreshold,
                quorumPercent: config.quorumPercent
            })
        );
        d.keeperRegistry = new KeeperRegistry(
            address(d.token),
            deployer,
            timelock,
            config.keeperMinStake,
            config.keeperQuorum,
            config.keeperUnbondingDelay
        );
        d.rewardVault = new RewardVault(address(d.token), deployer);
        d.market = new InferenceMarket(
            IInferenceMarket.Wiring({
                token: address(d.token),
                datanetRegistry: address(d.datanetRegistry),
                modelRegistry: address(d.modelRegistry),
                keeperRegistry: address(d.keeperRegistry),
                rewardVault: address(d.rewardVault),
                contributionVotes: address(d.contributionVotes)
            }),
            deployer,
            timelock,
            config.market
        );
        d.agentRegistry = new AgentRegistry(
            address(d.token),
            address(d.modelRegistry),
            timelock,
            timelock,
            config.agentMinStake,
            config.agentUnbondingDelay
        );

        d.contributionVotes.setMinter(address(d.market), true);
        d.keeperRegistry.setMarket(address(d.market));
        d.rewardVault.setMarket(address(d.market));
        _deployCourt(config, d);
        d.market.transferOwnership(timelock);
        d.contributionVotes.transferOwnership(timelock);
        d.keeperRegistry.transferOwnership(timelock);
        d.rewardVault.transferOwnership(timelock);

        d.timelock.grantRole(d.timelock.PROPOSER_ROLE(), address(d.governor));
        d.timelock.grantRole(d.timelock.CANCELLER_ROLE(), address(d.governor));
        d.timelock.renounceRole(d.timelock.DEFAULT_ADMIN_ROLE(), deployer);
        vm.stopBroadcast();

        if (vm.isContext(VmSafe.ForgeContext.ScriptBroadcast) || vm.isContext(VmSafe.ForgeContext.ScriptResume)) {
            _write(d);
        }
    }

    function _config() internal view returns (Config memory c) {
        c.local = vm.envOr("LOCAL_NETWORK", block.chainid == 31_337);
        c.remoteToken = vm.envOr("OPEN_REMOTE_TOKEN", address(0));
        c.bridge = vm.envOr("OPEN_BRIDGE", address(0));
        // On an L2 the bridge mints; elsewhere the initial supply goes to the deployer.
        c.initialSupply = vm.envOr("OPEN_INITIAL_SUPPLY", c.bridge == address(0) ? OPEN_CAP : 0);
        c.minReviewTimeout = uint64(vm.envOr("DATANET_MIN_REVIEW_TIMEOUT", c.local ? uint256(1 minutes) : 1 hours));
        c.maxReviewTimeout = uint64(vm.envOr("DATANET_MAX_REVIEW_TIMEOUT", uint256(30 days)));
        c.votingDelay = uint48(vm.envOr("GOVERNOR_VOTING_DELAY", c.local ? uint256(1) : 1 days));
        c.votingPeriod = uint32(vm.envOr("GOVERNOR_VOTING_PERIOD", c.local ? uint256(5 minutes) : 1 weeks));
        c.proposalThreshold = vm.envOr("GOVERNOR_PROPOSAL_THRESHOLD", c.local ? uint256(0) : 10_000 ether);
        c.quorumPercent = vm.envOr("GOVERNOR_QUORUM_PERCENT", uint256(c.local ? 4 : 5));
        c.timelockDelay = vm.envOr("TIMELOCK_DELAY", c.local ? uint256(1 minutes) : 1 weeks);
        c.keeperMinStake = vm.envOr("KEEPER_MIN_STAKE", c.local ? uint256(100 ether) : 10_000 ether);
        c.keeperQuorum = vm.envOr("KEEPER_QUORUM", uint256(2));
        c.keeperUnbondingDelay = uint64(vm.envOr("KEEPER_UNBONDING_DELAY", c.local ? uint256(10 minutes) : 7 days));
        c.agentMinStake = vm.envOr("AGENT_MIN_STAKE", c.local ? uint256(10 ether) : 1000 ether);
        c.agentUnbondingDelay = uint64(vm.envOr("AGENT_UNBONDING_DELAY", c.local ? uint256(1 minutes) : 7 days));
        c.market = IInferenceMarket.Parameters({
            challengeWindow: uint64(vm.envOr("MARKET_CHALLENGE_WINDOW", c.local ? uint256(30 seconds) : 1 hours)),
            requestTimeout: uint64(vm.envOr("MARKET_REQUEST_TIMEOUT", c.local ? uint256(10 minutes) : 1 days)),
            maxAttributions: uint16(vm.envOr("MARKET_MAX_ATTRIBUTIONS", uint256(32))),
            protocolFeeBps: uint16(vm.envOr("MARKET_PROTOCOL_FEE_BPS", uint256(500))),
            executorFeeBps: uint16(vm.envOr("MARKET_EXECUTOR_FEE_BPS", uint256(1500))),
            modelFeeBps: uint16(vm.envOr("MARKET_MODEL_FEE_BPS", uint256(4000))),
            executorTurn: uint64(vm.envOr("MARKET_EXECUTOR_TURN", c.local ? uint256(15 seconds) : 2 minutes)),
            reopenGrace: uint64(vm.envOr("MARKET_REOPEN_GRACE", c.local ? uint256(5 minutes) : 6 hours)),
            maxReportedFeesBps: uint32(vm.envOr("MARKET_MAX_REPORTED_FEES_BPS", uint256(5000)))
        });
        c.court = IReportCourt.Parameters({
            minBond: vm.envOr("COURT_MIN_BOND", c.local ? uint256(1 ether) : 100 ether),
            bondFeeBps: uint32(vm.envOr("COURT_BOND_FEE_BPS", uint256(10_000))),
            resolutionPeriod: uint64(vm.envOr("COURT_RESOLUTION_PERIOD", c.local ? uint256(10 minutes) : 14 days)),
            appealWindow: uint64(vm.envOr("COURT_APPEAL_WINDOW", c.local ? uint256(2 minutes) : 3 days))
        });
    }

    /// @dev The report court, owned by the timelock and wired while the deployer still owns the market and the
    /// keeper registry. Its guardian (who rules first, and may freeze keeper stake for a bounded time) is `GUARDIAN`;
    /// a local network defaults it to the deployer, elsewhere it must be set (zero for none: only governance rules).
    function _deployCourt(Config memory config, Deployment memory d) internal {
        address guardian = config.local ? vm.envOr("GUARDIAN", d.deployer) : vm.envAddress("GUARDIAN");
        address timelock = address(d.timelock);
        d.court = new ReportCourt(
            address(d.market), address(d.keeperRegistry), address(d.token), timelock, timelock, guardian, config.court
        );
        d.market.setCourt(address(d.court));
        d.keeperRegistry.setCourt(address(d.court));
        d.keeperRegistry.setGuardian(guardian);
    }

    function _write(Deployment memory d) internal {
        string memory contracts = "contracts";
        vm.serializeAddress(contracts, "OpenToken", address(d.token));
        vm.serializeAddress(contracts, "DatanetRegistry", address(d.datanetRegistry));
        vm.serializeAddress(contracts, "ModelRegistry", address(d.modelRegistry));
        vm.serializeAddress(contracts, "ContributionVotes", address(d.contributionVotes));
        vm.serializeAddress(contracts, "KeeperRegistry", address(d.keeperRegistry));
        vm.serializeAddress(contracts, "RewardVault", address(d.rewardVault));
        vm.serializeAddress(contracts, "InferenceMarket", address(d.market));
        vm.serializeAddress(contracts, "AgentRegistry", address(d.agentRegistry));
        vm.serializeAddress(contracts, "ReportCourt", address(d.court));
        vm.serializeAddress(contracts, "OpenGovernor", address(d.governor));
        contracts = vm.serializeAddress(contracts, "TimelockController", address(d.timelock));

        string memory root = "deployment";
        vm.serializeUint(root, "chainId", block.chainid);
        vm.serializeUint(root, "startBlock", d.startBlock);
        string memory json = vm.serializeString(root, "contracts", contracts);
        vm.writeJson(json, string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json"));
    }
}
