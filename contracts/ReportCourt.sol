// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IInferenceMarket} from "./interfaces/IInferenceMarket.sol";
import {IKeeperRegistry} from "./interfaces/IKeeperRegistry.sol";
import {IReportCourt} from "./interfaces/IReportCourt.sol";

/// @title ReportCourt
/// @notice Bonded disputes of attribution reports and equivocation proofs. See {IReportCourt}.
contract ReportCourt is IReportCourt, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 internal constant BPS = 10_000;
    /// @notice Bounds of the resolution period and of the appeal window.
    uint64 public constant MIN_PERIOD = 1 minutes;
    uint64 public constant MAX_PERIOD = 30 days;
    /// @notice Largest bond share of the fee: ten times the fee, since slashes dwarf fees and a bond above the fee
    /// can still be cheap next to what a wrong report takes.
    uint32 public constant MAX_BOND_FEE_BPS = 100_000;

    /// @inheritdoc IReportCourt
    IInferenceMarket public immutable market;
    /// @inheritdoc IReportCourt
    IKeeperRegistry public immutable keeperRegistry;
    /// @inheritdoc IReportCourt
    address public immutable token;

    Parameters internal _parameters;
    /// @inheritdoc IReportCourt
    address public guardian;
    /// @inheritdoc IReportCourt
    address public treasury;

    mapping(uint256 requestId => Dispute) internal _disputes;

    /// @param market_ The InferenceMarket.
    /// @param keeperRegistry_ The market's keeper registry.
    /// @param token_ The market's token (OPEN), in which bonds are posted.
    /// @param owner_ Governance (the timelock): sets the parameters and rules with the last word.
    /// @param treasury_ Receiver of the non-executor part of forfeited bonds.
    /// @param guardian_ Who rules first (zero for none).
    /// @param parameters_ Initial parameters.
    constructor(
        address market_,
        address keeperRegistry_,
        address token_,
        address owner_,
        address treasury_,
        address guardian_,
        Parameters memory parameters_
    ) Ownable(owner_) {
        if (market_ == address(0) || keeperRegistry_ == address(0) || token_ == address(0)) {
            revert CourtZeroAddress();
        }
        IInferenceMarket.Wiring memory wiring = IInferenceMarket(market_).wiring();
        if (wiring.keeperRegistry != keeperRegistry_ || wiring.token != token_) {
            revert CourtWiringMismatch(wiring.keeperRegistry, wiring.token);
        }
        market = IInferenceMarket(market_);
        keeperRegistry = IKeeperRegistry(keeperRegistry_);
        token = token_;
        _setTreasury(treasury_);
        _setGuardian(guardian_);
        _setParameters(parameters_);
    }

    // ─── Disputes ─────────────────────────────────────────────────────────────

    /// @inheritdoc IReportCourt
    function dispute(uint256 requestId, string calldata evidenceURI) external nonReentrant returns (uint256 bond) {
        Dispute storage previous = _disputes[requestId];
        if (previous.openedAt != 0 && !previous.executed) revert CourtDisputeOpen(requestId, previous.round);
        IInferenceMarket.Request memory request = market.getRequest(requestId);
        Parameters memory p = _parameters;
        bond = _bond(request.fee, p);
        uint64 resolveBy = uint64(block.timestamp) + p.resolutionPeriod;
        _disputes[requestId] = Dispute({
            disputer: msg.sender,
            round: request.round,
            ruling: Ruling.None,
            executed: false,
            openedAt: uint64(block.timestamp),
            resolveBy: resolveBy,
            appealWindow: p.appealWindow,
            executableAt: 0,
            bond: bond
        });
        // The market checks that the report is still challengeable; its revert is the caller's answer.
        market.markDisputed(requestId);
        _freezeSigners(requestId, resolveBy + p.appealWindow);
        emit DisputeOpened(requestId, request.round, msg.sender, bond, evidenceURI);
        IERC20(token).safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IReportCourt
    function rule(uint256 requestId, bool upheld) external nonReentrant {
        Dispute storage d = _openDispute(requestId);
        bool byOwner = msg.sender == owner();
        if (!byOwner && (msg.sender != guardian || guardian == address(0))) revert CourtCallerNotJudge(msg.sender);
        if (d.ruling == Ruling.None) {
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp >= d.resolveBy) revert CourtResolutionPeriodOver(requestId, d.resolveBy);
        } else {
            // The guardian rules once; governance overrides only a guardian ruling that still waits.
            // forge-lint: disable-next-line(block-timestamp)
            bool waiting = block.timestamp < d.executableAt;
            if (!byOwner || !waiting) revert CourtAlreadyRuled(requestId, d.executableAt);
        }
        uint64 executableAt = uint64(block.timestamp) + (byOwner ? 0 : d.appealWindow);
        d.ruling = upheld ? Ruling.Upheld : Ruling.Rejected;
        d.executableAt = executableAt;
        emit DisputeRuled(requestId, upheld, msg.sender, executableAt);
        // The freeze set at opening may end moments after a late ruling becomes executable; an upheld ruling keeps
        // the signers from withdrawing for one more resolution period, the time anyone has to execute it.
        if (upheld) _freezeSigners(requestId, executableAt + (d.resolveBy - d.openedAt));
    }

    /// @inheritdoc IReportCourt
    function execute(uint256 requestId) external nonReentrant returns (uint256 slashed) {
        Dispute storage d = _openDispute(requestId);
        Ruling ruling = d.ruling;
        uint64 executableAt = ruling == Ruling.None ? d.resolveBy : d.executableAt;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < executableAt) revert CourtNotExecutable(requestId, executableAt);
        d.executed = true;
        (address disputer, uint256 bond) = (d.disputer, d.bond);
        IInferenceMarket.Request memory request = market.getRequest(requestId);

        if (ruling == Ruling.Upheld) {
            // Read before settling: voiding the report deletes its signers at the market.
            address[] memory signers = market.reportSigners(requestId);
            address rewarded = _rewardable(disputer, request.requester, signers) ? disputer : address(0);
            market.settleDispute(requestId, true);
            for (uint256 i; i < signers.length; ++i) {
                slashed += keeperRegistry.slashDisputed(signers[i], rewarded);
            }
        } else {
            market.settleDispute(requestId, false);
        }
        // Emitted after the slashes, whose total only the registry knows.
        emit DisputeExecuted(requestId, ruling == Ruling.Upheld, slashed);

        if (ruling == Ruling.Rejected) {
            uint256 executorAmount = bond / 2;
            uint256 treasuryAmount = bond - executorAmount;
            emit BondForfeited(requestId, request.executor, executorAmount, treasuryAmount);
            if (executorAmount != 0) IERC20(token).safeTransfer(request.executor, executorAmount);
            IERC20(token).safeTransfer(treasury, treasuryAmount);
        } else {
            // Upheld, or timed out: nobody judged the dispute wrong.
            IERC20(token).safeTransfer(disputer, bond);
        }
    }

    /// @inheritdoc IReportCourt
    function proveEquivocation(
        IInferenceMarket.AttributionReport calldata a,
        bytes calldata signatureA,
        IInferenceMarket.AttributionReport calldata b,
        bytes calldata signatureB
    ) external nonReentrant returns (address keeper, uint256 slashed) {
        bytes32 digestA;
        bytes32 digestB;
        (keeper, digestA, digestB) = _equivocation(a, signatureA, b, signatureB);
        // Anyone can sign two reports; only a staked keeper's double signature is an offence (and an event).
        if (keeperRegistry.stakeOf(keeper) == 0) revert CourtNotAKeeper(keeper);
        (uint256 requestId, uint16 round) = (a.requestId, a.round);
        address rewarded = msg.sender == keeper ? address(0) : msg.sender;
        // The same evidence key as the market's `challenge`, so one equivocation is slashed once across both.
        slashed = keeperRegistry.slashEquivocation(
            keeper, rewarded, keccak256(abi.encode(address(market), requestId, round))
        );
        emit EquivocationProven(requestId, round, keeper, digestA, digestB, msg.sender, slashed);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc IReportCourt
    function setParameters(uint256 minBond, uint32 bondFeeBps, uint64 resolutionPeriod, uint64 appealWindow)
        external
        onlyOwner
    {
        _setParameters(Parameters(minBond, bondFeeBps, resolutionPeriod, appealWindow));
    }

    /// @inheritdoc IReportCourt
    function setGuardian(address guardian_) external onlyOwner {
        _setGuardian(guardian_);
    }

    /// @inheritdoc IReportCourt
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @inheritdoc IReportCourt
    function getDispute(uint256 requestId) external view returns (Dispute memory) {
        return _disputes[requestId];
    }

    /// @inheritdoc IReportCourt
    function bondFor(uint256 requestId) external view returns (uint256) {
        return _bond(market.getRequest(requestId).fee, _parameters);
    }

    /// @inheritdoc IReportCourt
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    // ─── Internal ─────────────────────────────────────────────────────────────

    function _openDispute(uint256 requestId) internal view returns (Dispute storage d) {
        d = _disputes[requestId];
        if (d.openedAt == 0 || d.executed) revert CourtNoOpenDispute(requestId);
    }

    function _bond(uint256 fee, Parameters memory p) internal pure returns (uint256) {
        uint256 share = fee * p.bondFeeBps / BPS;
        return share > p.minBond ? share : p.minBond;
    }

    function _freezeSigners(uint256 requestId, uint64 until) internal {
        address[] memory signers = market.reportSigners(requestId);
        for (uint256 i; i < signers.length; ++i) {
            keeperRegistry.freeze(signers[i], until);
        }
    }

    /// @dev Neither the requester (voiding a delivered answer must not pay) nor a signer of the report (paid for
    /// its own fault) earns the slash reward.
    function _rewardable(address disputer, address requester, address[] memory signers) internal pure returns (bool) {
        if (disputer == requester) return false;
        for (uint256 i; i < signers.length; ++i) {
            if (signers[i] == disputer) return false;
        }
        return true;
    }

    /// @dev The keeper that signed both reports, which answer one request in one round with different digests.
    function _equivocation(
        IInferenceMarket.AttributionReport calldata a,
        bytes calldata signatureA,
        IInferenceMarket.AttributionReport calldata b,
        bytes calldata signatureB
    ) internal view returns (address keeper, bytes32 digestA, bytes32 digestB) {
        if (a.requestId != b.requestId) {
            revert CourtReportRequestMismatch(a.requestId, b.requestId);
        }
        if (a.round != b.round) revert CourtRoundMismatch(a.round, b.round);
        digestA = market.hashReport(a);
        digestB = market.hashReport(b);
        if (digestA == digestB) revert CourtSameReport(digestA);
        keeper = _recover(digestA, signatureA, 0);
        address signerB = _recover(digestB, signatureB, 1);
        if (signerB != keeper) revert CourtSignersDiffer(keeper, signerB);
    }

    function _recover(bytes32 digest, bytes calldata signature, uint256 index) internal pure returns (address) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signature);
        if (error != ECDSA.RecoverError.NoError) revert CourtInvalidSignature(index);
        return signer;
    }

    function _setParameters(Parameters memory p) internal {
        if (
            p.minBond == 0 || p.bondFeeBps > MAX_BOND_FEE_BPS || p.resolutionPeriod < MIN_PERIOD
                || p.resolutionPeriod > MAX_PERIOD || p.appealWindow < MIN_PERIOD || p.appealWindow > MAX_PERIOD
        ) revert CourtParametersOutOfBounds(p.minBond, p.bondFeeBps, p.resolutionPeriod, p.appealWindow);
        _parameters = p;
        emit ParametersSet(p.minBond, p.bondFeeBps, p.resolutionPeriod, p.appealWindow);
    }

    function _setGuardian(address guardian_) internal {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    function _setTreasury(address treasury_) internal {
        if (treasury_ == address(0)) revert CourtZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }
}
