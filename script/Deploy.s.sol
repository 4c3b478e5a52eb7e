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
import {UsageLedger} from "../contracts/UsageLedger.sol";
import {IInferenceMarket} from "../contracts/interfaces/IInferenceMarket.sol";
import {IOpenGovernor} from "../contracts/interfaces/IOpenGovernor.sol";
import {IReportCourt} from "../contracts/interfaces/IReportCourt.sol";
import {IUsageLedger} from "../contracts/interfaces/IUsageLedger.sol";

/// @notice Deploys the whole protocol, wires it, hands every parameter to the governance timelock and, when
/// broadcasting, writes `deployments/<chainId>.json`:
/// `{"chainId": n, "startBlock": n, "contracts": {"OpenToken": "0x..", ...}}`.
///
/// Parameters come from the environment (see `config`). A local network (chain 31337, or `LOCAL_NETWORK=true`)
/// gets short governance periods and windows so a proposal or a settlement completes in minutes, and the whole
/// initial OPEN supply goes to the deployer.
///
/// Launch guardian (`GUARDIAN`): holds the timelock's `CANCELLER_ROLE`, so it can cancel any queued operation
/// (a slash of keepers or agents, a treasury payout, a parameter change) during the timelock delay, which is the
/// appeal window of every governance decision; it is also the AgentRegistry's guardian, which can freeze an
/// agent's stake while a slash is decided. A production deployment must name it (a multisig of independent
/// signers) or set it explicitly to `address(0)` for none; a local one defaults to the deployer. Governance
/// retires it with one proposal calling `timelock.revokeRole(CANCELLER_ROLE, guardian)` and
/// `agentRegistry.setGuardian(address(0))` (the guardian can renounce the role itself too). Until then it can
/// veto its own retirement: that is a liveness power, not a way to move funds.
///
/// A production deployment also refuses unbonding delays that do not outlast a governance decision (voting delay
/// + voting period + timelock delay), so a keeper or agent that sees a slash proposal cannot unbond and leave
/// before it executes. Defaults: 1 day + 1 week + 1 week = 15 days of governance against 21 days of unbonding
/// (6 days to notice and propose; the guardian's freeze covers longer cases). Changing the governor's periods or
/// the timelock delay later must keep the unbonding delays above their sum.
///
/// forge script script/Deploy.s.sol --broadcast --rpc-url http://127.0.0.1:8545 --private-key <key>
contract Deploy is Script {
    uint256 internal constant OPEN_CAP = 1_000_000_000 ether;

    /// @notice A production deployment without `GUARDIAN` in the environment (set `address(0)` for none).
    error DeployGuardianNotSet();
    /// @notice In production, the `stake` (keeper or agent) unbonding delay `unbondingDelay` does not exceed
    /// `governanceDelay` (voting delay + voting period + timelock delay).
    error DeployUnbondingDelayTooShort(string stake, uint256 unbondingDelay, uint256 governanceDelay);

    struct Config {
        bool local;
        address guardian;
        address remoteToken;
        address bridge;
        uint256 initialSupply;
        uint64 minReviewTimeout;
        uint64 maxReviewTimeout;
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumPercent;
        uint256 quorumFloor;
        uint256 timelockDelay;
        uint256 keeperMinStake;
        uint256 keeperQuorum;
        uint64 keeperUnbondingDelay;
        uint256 agentMinStake;
        uint64 agentUnbondingDelay;
        IInferenceMarket.Parameters market;
        IReportCourt.Parameters court;
        IUsageLedger.Parameters ledger;
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
        UsageLedger ledger;
        address deployer;
        address guardian;
        uint256 startBlock;
    }

    function run() external returns (Deployment memory) {
        bool local = vm.envOr("LOCAL_NETWORK", block.chainid == 31_337);
        if (!local && !vm.envExists("GUARDIAN")) revert DeployGuardianNotSet();
        return deploy(config(local));
    }

    /// @notice Deploys with `c`; `run` passes `config(...)`, tests may pass an edited one.
    function deploy(Config memory c) public returns (Deployment memory d) {
        if (!c.local) _checkUnbondingOutlastsGovernance(c);
        d.startBlock = block.number;
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        d.deployer = deployer;
        // On a local network without GUARDIAN the deployer guards.
        d.guardian = c.local && !vm.envExists("GUARDIAN") ? deployer : c.guardian;
        d.token = new OpenToken(c.remoteToken, c.bridge, OPEN_CAP, deployer, c.initialSupply);
        // The timelock administers itself; the deployer's temporary admin role is renounced below.
        d.timelock = new TimelockController(c.timelockDelay, new address[](0), new address[](1), deployer);
        address timelock = address(d.timelock);

        d.datanetRegistry =
            new DatanetRegistry(IERC20(address(d.token)), timelock, timelock, c.minReviewTimeout, c.maxReviewTimeout);
        d.modelRegistry = new ModelRegistry(d.datanetRegistry, timelock);
        d.contributionVotes = new ContributionVotes(deployer);
        d.governor = new OpenGovernor(
            d.contributionVotes,
            d.timelock,
            IOpenGovernor.GovernorConfig({
                votingDelay: c.votingDelay,
                votingPeriod: c.votingPeriod,
                proposalThreshold: c.proposalThreshold,
                quorumPercent: c.quorumPercent,
                quorumFloor: c.quorumFloor
            })
        );
        d.keeperRegistry = new KeeperRegistry(
            address(d.token), deployer, timelock, c.keeperMinStake, c.keeperQuorum, c.keeperUnbondingDelay
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
            c.market
        );
        d.agentRegistry = new AgentRegistry(
            address(d.token), address(d.modelRegistry), deployer, timelock, c.agentMinStake, c.agentUnbondingDelay
        );

        d.contributionVotes.setMinter(address(d.market), true);
        d.keeperRegistry.setMarket(address(d.market));
        d.rewardVault.setMarket(address(d.market));
        if (d.guardian != address(0)) d.agentRegistry.setGuardian(d.guardian);
        _deployCourt(c, d);
        _deployLedger(c, d);
        d.market.transferOwnership(timelock);
        d.contributionVotes.transferOwnership(timelock);
        d.keeperRegistry.transferOwnership(timelock);
        d.rewardVault.transferOwnership(timelock);
        d.agentRegistry.transferOwnership(timelock);

        d.timelock.grantRole(d.timelock.PROPOSER_ROLE(), address(d.governor));
        d.timelock.grantRole(d.timelock.CANCELLER_ROLE(), address(d.governor));
        if (d.guardian != address(0)) d.timelock.grantRole(d.timelock.CANCELLER_ROLE(), d.guardian);
        d.timelock.renounceRole(d.timelock.DEFAULT_ADMIN_ROLE(), deployer);
        vm.stopBroadcast();

        if (vm.isContext(VmSafe.ForgeContext.ScriptBroadcast) || vm.isContext(VmSafe.ForgeContext.ScriptResume)) {
            _write(d);
        }
    }

    /// @notice The parameters of a local or a production network, each overridable from the environment.
    function config(bool local) public view returns (Config memory c) {
        c.local = local;
        c.guardian = vm.envOr("GUARDIAN", address(0));
        c.remoteToken = vm.envOr("OPEN_REMOTE_TOKEN", address(0));
        c.bridge = vm.envOr("OPEN_BRIDGE", address(0));
        // On an L2 the bridge mints; elsewhere the initial supply goes to the deployer.
        c.initialSupply = vm.envOr("OPEN_INITIAL_SUPPLY", c.bridge == address(0) ? OPEN_CAP : 0);
        c.minReviewTimeout = uint64(vm.envOr("DATANET_MIN_REVIEW_TIMEOUT", local ? uint256(1 minutes) : 1 hours));
        c.maxReviewTimeout = uint64(vm.envOr("DATANET_MAX_REVIEW_TIMEOUT", uint256(30 days)));
        c.votingDelay = uint48(vm.envOr("GOVERNOR_VOTING_DELAY", local ? uint256(1) : 1 days));
        c.votingPeriod = uint32(vm.envOr("GOVERNOR_VOTING_PERIOD", local ? uint256(5 minutes) : 1 weeks));
        c.proposalThreshold = vm.envOr("GOVERNOR_PROPOSAL_THRESHOLD", local ? uint256(0) : 10_000 ether);
        c.quorumPercent = vm.envOr("GOVERNOR_QUORUM_PERCENT", uint256(local ? 4 : 5));
        // At launch no votes exist and any fraction of them is zero: without a floor one vote would decide.
        // Locally a small floor keeps one settled demo request enough to pass a proposal.
        c.quorumFloor = vm.envOr("GOVERNOR_QUORUM_FLOOR", local ? uint256(0.01 ether) : 100_000 ether);
        c.timelockDelay = vm.envOr("TIMELOCK_DELAY", local ? uint256(1 minutes) : 1 weeks);
        c.keeperMinStake = vm.envOr("KEEPER_MIN_STAKE", local ? uint256(100 ether) : 10_000 ether);
        c.keeperQuorum = vm.envOr("KEEPER_QUORUM", uint256(2));
        c.keeperUnbondingDelay = uint64(vm.envOr("KEEPER_UNBONDING_DELAY", local ? uint256(10 minutes) : 21 days));
        c.agentMinStake = vm.envOr("AGENT_MIN_STAKE", local ? uint256(10 ether) : 1000 ether);
        c.agentUnbondingDelay = uint64(vm.envOr("AGENT_UNBONDING_DELAY", local ? uint256(1 minutes) : 21 days));
        c.market = IInferenceMarket.Parameters({
            challengeWindow: uint64(vm.envOr("MARKET_CHALLENGE_WINDOW", local ? uint256(30 seconds) : 1 hours)),
            requestTimeout: uint64(vm.envOr("MARKET_REQUEST_TIMEOUT", local ? uint256(10 minutes) : 1 days)),
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
            // Longer than a governance cycle (voting delay + period + timelock), so governance can overturn the
            // guardian's ruling before it takes effect.
            appealWindow: uint64(vm.envOr("COURT_APPEAL_WINDOW", c.local ? uint256(2 minutes) : 16 days))
        });
        c.ledger = IUsageLedger.Parameters({
            challengeWindow: uint64(vm.envOr("LEDGER_CHALLENGE_WINDOW", c.local ? uint256(30 seconds) : 1 hours)),
            // Longer than an epoch plus its challenge window, so a withdrawal cannot outrun a served voucher.
            withdrawalDelay: uint64(vm.envOr("LEDGER_WITHDRAWAL_DELAY", c.local ? uint256(5 minutes) : 2 days)),
            disputeBond: vm.envOr("LEDGER_DISPUTE_BOND", c.local ? uint256(1 ether) : 100 ether),
            resolutionPeriod: uint64(vm.envOr("LEDGER_RESOLUTION_PERIOD", c.local ? uint256(10 minutes) : 14 days)),
            appealWindow: uint64(vm.envOr("LEDGER_APPEAL_WINDOW", c.local ? uint256(2 minutes) : 16 days))
        });
    }

    /// @dev The report court, owned by the timelock and wired while the deployer still owns the market and the
    /// keeper registry. Its guardian (who rules first, and may freeze keeper stake for a bounded time) is the
    /// deployment's guardian (zero for none: only governance rules).
    function _deployCourt(Config memory cfg, Deployment memory d) internal {
        address guardian = d.guardian;
        address timelock = address(d.timelock);
        d.court = new ReportCourt(
            address(d.market), address(d.keeperRegistry), address(d.token), timelock, timelock, guardian, cfg.court
        );
        d.market.setCourt(address(d.court));
        d.keeperRegistry.setCourt(address(d.court));
        d.keeperRegistry.setGuardian(guardian);
    }

    /// @dev The usage ledger (metered billing, epoch settlement), owned by the timelock, its disputes ruled first
    /// by the deployment's guardian; wired while the deployer still owns the keeper registry.
    function _deployLedger(Config memory cfg, Deployment memory d) internal {
        address timelock = address(d.timelock);
        d.ledger = new UsageLedger(
            address(d.token),
            address(d.keeperRegistry),
            address(d.modelRegistry),
            timelock,
            timelock,
            d.guardian,
            cfg.ledger
        );
        d.keeperRegistry.setLedger(address(d.ledger));
    }

    function _checkUnbondingOutlastsGovernance(Config memory c) internal pure {
        uint256 governanceDelay = uint256(c.votingDelay) + c.votingPeriod + c.timelockDelay;
        if (c.keeperUnbondingDelay <= governanceDelay) {
            revert DeployUnbondingDelayTooShort("keeper", c.keeperUnbondingDelay, governanceDelay);
        }
        if (c.agentUnbondingDelay <= governanceDelay) {
            revert DeployUnbondingDelayTooShort("agent", c.agentUnbondingDelay, governanceDelay);
        }
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
        vm.serializeAddress(contracts, "UsageLedger", address(d.ledger));
        vm.serializeAddress(contracts, "OpenGovernor", address(d.governor));
        contracts = vm.serializeAddress(contracts, "TimelockController", address(d.timelock));

        string memory root = "deployment";
        vm.serializeUint(root, "chainId", block.chainid);
        vm.serializeUint(root, "startBlock", d.startBlock);
        string memory json = vm.serializeString(root, "contracts", contracts);
        vm.writeJson(json, string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json"));
    }
}
