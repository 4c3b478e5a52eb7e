// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IKeeperRegistry} from "./interfaces/IKeeperRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IUsageLedger} from "./interfaces/IUsageLedger.sol";

/// @title UsageLedger
/// @notice Prepaid balances, requester-signed cumulative vouchers and quorum-signed epoch roots of cumulative
/// earnings. See {IUsageLedger}.
contract UsageLedger is IUsageLedger, Ownable, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address requester,address keeper,uint256 cumulativeSpend,uint64 expiry)");
    bytes32 public constant EPOCH_REPORT_TYPEHASH = keccak256(
        "EpochReport(uint64 epoch,bytes32 root,uint256 cumulativeTotal,uint256 spend,uint64 calls,string dataURI,Voucher[] vouchers)Voucher(address requester,address keeper,uint256 cumulativeSpend,uint64 expiry)"
    );
    /// @notice Bounds of the windows and periods.
    uint64 public constant MIN_PERIOD = 10 seconds;
    uint64 public constant MAX_PERIOD = 30 days;

    /// @inheritdoc IUsageLedger
    address public immutable token;
    /// @inheritdoc IUsageLedger
    address public immutable keeperRegistry;
    /// @inheritdoc IUsageLedger
    address public immutable modelRegistry;

    /// @dev The epoch counters and the claimed total share one slot, which every claim reads and writes.
    /// @inheritdoc IUsageLedger
    uint64 public epochCount;
    /// @dev The latest epoch made final when the next was submitted or its dispute was rejected.
    uint64 internal _finalEpoch;
    uint128 internal _totalClaimed;

    Parameters internal _parameters;
    /// @inheritdoc IUsageLedger
    address public guardian;
    /// @inheritdoc IUsageLedger
    address public treasury;
    /// @inheritdoc IUsageLedger
    uint256 public totalSpent;
    /// @inheritdoc IUsageLedger
    uint256 public totalBalances;

    /// @inheritdoc IUsageLedger
    mapping(address account => uint256) public balanceOf;
    /// @inheritdoc IUsageLedger
    mapping(address account => uint256) public claimedBy;
    mapping(address requester => mapping(address keeper => uint256)) internal _settled;
    mapping(address account => Withdrawal) internal _withdrawals;
    mapping(uint256 modelId => Price) internal _prices;
    mapping(uint64 epoch => Epoch) internal _epochs;
    mapping(uint64 epoch => address[]) internal _signers;
    mapping(uint64 epoch => Dispute) internal _disputes;

    struct Withdrawal {
        uint192 amount;
        uint64 unlockAt;
    }

    /// @param token_ The OPEN token.
    /// @param keeperRegistry_ The keeper registry whose stake quorum signs epochs (and slashes upheld disputes).
    /// @param modelRegistry_ The model registry (owners and default prices).
    /// @param owner_ Governance (the timelock).
    /// @param treasury_ Receiver of half of forfeited bonds.
    /// @param guardian_ Who rules disputes first (zero for none).
    /// @param parameters_ Initial parameters.
    constructor(
        address token_,
        address keeperRegistry_,
        address modelRegistry_,
        address owner_,
        address treasury_,
        address guardian_,
        Parameters memory parameters_
    ) Ownable(owner_) EIP712("PayableAI UsageLedger", "1") {
        if (token_ == address(0) || keeperRegistry_ == address(0) || modelRegistry_ == address(0)) {
            revert LedgerZeroAddress();
        }
        token = token_;
        keeperRegistry = keeperRegistry_;
        modelRegistry = modelRegistry_;
        _setTreasury(treasury_);
        _setGuardian(guardian_);
        _setParameters(parameters_);
    }

    // ─── Balances ─────────────────────────────────────────────────────────────

    /// @inheritdoc IUsageLedger
    function deposit(uint256 amount) external nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IUsageLedger
    function depositFor(address account, uint256 amount) external nonReentrant {
        if (account == address(0)) revert LedgerZeroAddress();
        _deposit(account, amount);
    }

    /// @inheritdoc IUsageLedger
    function requestWithdrawal(uint256 amount) external returns (uint64 unlockAt) {
        if (amount == 0) {
            delete _withdrawals[msg.sender];
        } else {
            unlockAt = uint64(block.timestamp) + _parameters.withdrawalDelay;
            _withdrawals[msg.sender] = Withdrawal(SafeCast.toUint192(amount), unlockAt);
        }
        emit WithdrawalRequested(msg.sender, amount, unlockAt);
    }

    /// @inheritdoc IUsageLedger
    function withdraw() external nonReentrant returns (uint256 amount) {
        Withdrawal memory w = _withdrawals[msg.sender];
        if (w.amount == 0) revert LedgerNoWithdrawal(msg.sender);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < w.unlockAt) revert LedgerWithdrawalLocked(msg.sender, w.unlockAt);
        // A dispute stops settlement until it is decided; the delay must not run out under vouchers it holds up.
        uint64 latest = epochCount;
        if (_epochs[latest].status == EpochStatus.Disputed) revert LedgerEpochDisputed(latest);
        delete _withdrawals[msg.sender];
        uint256 balance = balanceOf[msg.sender];
        amount = w.amount < balance ? w.amount : balance;
        balanceOf[msg.sender] = balance - amount;
        totalBalances -= amount;
        emit Withdrawn(msg.sender, amount);
        if (amount != 0) IERC20(token).safeTransfer(msg.sender, amount);
    }

    // ─── Prices ───────────────────────────────────────────────────────────────

    /// @inheritdoc IUsageLedger
    function setPrice(uint256 modelId, uint256 perRequest, uint256 perInputToken, uint256 perOutputToken) external {
        if (IERC721(modelRegistry).ownerOf(modelId) != msg.sender) {
            revert LedgerCallerNotModelOwner(modelId, msg.sender);
        }
        _prices[modelId] =
            Price(SafeCast.toUint96(perRequest), SafeCast.toUint80(perInputToken), SafeCast.toUint80(perOutputToken));
        emit PriceSet(modelId, perRequest, perInputToken, perOutputToken);
    }

    // ─── Settlement ───────────────────────────────────────────────────────────

    /// @inheritdoc IUsageLedger
    function submitEpoch(EpochReport calldata report, bytes[] calldata voucherSignatures, bytes[] calldata signatures)
        external
        nonReentrant
        returns (bytes32 digest)
    {
        uint64 epoch = epochCount + 1;
        if (report.epoch != epoch) revert LedgerWrongEpoch(epoch, report.epoch);
        _closePrevious(epoch - 1);
        if (report.root == bytes32(0)) revert LedgerZeroRoot();

        (uint256 debited, bytes32 vouchersHash) = _settleVouchers(epoch, report.vouchers, voucherSignatures);
        if (report.spend != debited) revert LedgerSpendMismatch(report.spend, debited);
        uint256 spent = totalSpent + debited;
        if (report.cumulativeTotal != spent) revert LedgerCumulativeTotalMismatch(report.cumulativeTotal, spent);
        totalSpent = spent;
        totalBalances -= debited;

        digest = _hashTypedDataV4(_hashReport(report, vouchersHash));
        _record(report, debited, _verifyQuorum(digest, signatures));
    }

    /// @inheritdoc IUsageLedger
    function claim(address account, uint256 cumulative, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 amount)
    {
        uint64 epoch = _claimableEpoch();
        if (epoch == 0) revert LedgerNoClaimableRoot();
        Epoch storage e = _epochs[epoch];
        // The StandardMerkleTree leaf: double hashing keeps a leaf from passing as an inner node.
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))));
        if (!MerkleProof.verifyCalldata(proof, e.root, leaf)) revert LedgerInvalidProof(epoch, account, cumulative);
        uint256 claimed = claimedBy[account];
        if (cumulative <= claimed) revert LedgerNothingToClaim(account, cumulative, claimed);
        amount = cumulative - claimed;
        uint256 total = _totalClaimed;
        uint256 cap = e.cumulativeTotal;
        // A root whose leaves sum past its total can never pay out more than requesters were debited.
        if (total + amount > cap) revert LedgerClaimExceedsTotal(amount, total, cap);
        claimedBy[account] = cumulative;
        // At most `cap`, a uint128.
        // forge-lint: disable-next-line(unsafe-typecast)
        _totalClaimed = uint128(total + amount);
        emit Claimed(account, epoch, amount, cumulative);
        IERC20(token).safeTransfer(account, amount);
    }

    // ─── Disputes ─────────────────────────────────────────────────────────────

    /// @inheritdoc IUsageLedger
    function dispute(uint64 epoch, string calldata evidenceURI) external nonReentrant returns (uint256 bond) {
        Epoch storage e = _epochs[epoch];
        if (e.status != EpochStatus.Pending) revert LedgerEpochNotPending(epoch, e.status);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= e.challengeEndsAt) revert LedgerChallengeWindowClosed(epoch, e.challengeEndsAt);
        Parameters memory p = _parameters;
        bond = p.disputeBond;
        uint64 resolveBy = uint64(block.timestamp) + p.resolutionPeriod;
        e.status = EpochStatus.Disputed;
        _disputes[epoch] = Dispute(msg.sender, resolveBy, 0, p.appealWindow, Ruling.None, false, bond);
        // Signers cannot unbond out of a slash while the dispute can still be decided and executed.
        _freezeSigners(epoch, resolveBy + p.appealWindow + p.resolutionPeriod);
        emit EpochDisputed(epoch, msg.sender, bond, evidenceURI);
        IERC20(token).safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IUsageLedger
    function rule(uint64 epoch, bool upheld) external {
        Dispute storage d = _openDispute(epoch);
        bool byOwner = msg.sender == owner();
        if (!byOwner && (msg.sender != guardian || guardian == address(0))) revert LedgerCallerNotJudge(msg.sender);
        if (d.ruling == Ruling.None) {
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp >= d.resolveBy) revert LedgerResolutionPeriodOver(epoch, d.resolveBy);
        } else {
            // forge-lint: disable-next-line(block-timestamp)
            bool waiting = block.timestamp < d.executableAt;
            if (!byOwner || !waiting) revert LedgerAlreadyRuled(epoch, d.executableAt);
        }
        uint64 executableAt = uint64(block.timestamp) + (byOwner ? 0 : d.appealWindow);
        d.ruling = upheld ? Ruling.Upheld : Ruling.Rejected;
        d.executableAt = executableAt;
        emit EpochRuled(epoch, upheld, msg.sender, executableAt);
    }

    /// @inheritdoc IUsageLedger
    function execute(uint64 epoch) external nonReentrant returns (uint256 slashed) {
        Dispute storage d = _openDispute(epoch);
        Ruling ruling = d.ruling;
        uint64 executableAt = ruling == Ruling.None ? d.resolveBy : d.executableAt;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < executableAt) revert LedgerNotExecutable(epoch, executableAt);
        d.executed = true;
        (address disputer, uint256 bond) = (d.disputer, d.bond);
        Epoch storage e = _epochs[epoch];

        if (ruling == Ruling.Upheld) {
            // The vouchers stay spent: `totalSpent` keeps them, so the next report must pay their earnings.
            e.status = EpochStatus.Voided;
            address[] memory signers = _signers[epoch];
            address rewarded = disputer;
            for (uint256 i; i < signers.length; ++i) {
                if (signers[i] == disputer) rewarded = address(0);
            }
            for (uint256 i; i < signers.length; ++i) {
                slashed += IKeeperRegistry(keeperRegistry).slashDisputed(signers[i], rewarded);
            }
        } else {
            e.status = EpochStatus.Final;
            _finalEpoch = epoch;
        }
        emit EpochDisputeExecuted(epoch, ruling == Ruling.Upheld, slashed);

        if (ruling == Ruling.Rejected) {
            address submitter = e.submitter;
            uint256 submitterAmount = bond / 2;
            emit DisputeBondForfeited(epoch, submitter, submitterAmount, bond - submitterAmount);
            if (submitterAmount != 0) IERC20(token).safeTransfer(submitter, submitterAmount);
            IERC20(token).safeTransfer(treasury, bond - submitterAmount);
        } else {
            // Upheld, or timed out: nobody found the dispute wrong.
            IERC20(token).safeTransfer(disputer, bond);
        }
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc IUsageLedger
    function setParameters(Parameters calldata parameters_) external onlyOwner {
        _setParameters(parameters_);
    }

    /// @inheritdoc IUsageLedger
    function setGuardian(address guardian_) external onlyOwner {
        _setGuardian(guardian_);
    }

    /// @inheritdoc IUsageLedger
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @inheritdoc IUsageLedger
    function availableBalance(address account) external view returns (uint256) {
        uint256 balance = balanceOf[account];
        uint256 pending = _withdrawals[account].amount;
        return pending < balance ? balance - pending : 0;
    }

    /// @inheritdoc IUsageLedger
    function pendingWithdrawal(address account) external view returns (uint256 amount, uint64 unlockAt) {
        Withdrawal memory w = _withdrawals[account];
        return (w.amount, w.unlockAt);
    }

    /// @inheritdoc IUsageLedger
    function settledSpend(address requester, address keeper) external view returns (uint256) {
        return _settled[requester][keeper];
    }

    /// @inheritdoc IUsageLedger
    function priceOf(uint256 modelId) public view returns (Price memory price) {
        price = _prices[modelId];
        if (price.perRequest == 0 && price.perInputToken == 0 && price.perOutputToken == 0) {
            price.perRequest = SafeCast.toUint96(IModelRegistry(modelRegistry).priceOf(modelId));
        }
    }

    /// @inheritdoc IUsageLedger
    function quote(uint256 modelId, uint256 inputTokens, uint256 outputTokens) external view returns (uint256) {
        if (!IModelRegistry(modelRegistry).isRequestable(modelId)) revert LedgerModelNotRequestable(modelId);
        Price memory price = priceOf(modelId);
        return price.perRequest + inputTokens * price.perInputToken + outputTokens * price.perOutputToken;
    }

    /// @inheritdoc IUsageLedger
    function getEpoch(uint64 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// @inheritdoc IUsageLedger
    function epochSigners(uint64 epoch) external view returns (address[] memory) {
        return _signers[epoch];
    }

    /// @inheritdoc IUsageLedger
    function getDispute(uint64 epoch) external view returns (Dispute memory) {
        return _disputes[epoch];
    }

    /// @inheritdoc IUsageLedger
    function claimableRoot() external view returns (uint64 epoch, bytes32 root, uint256 cumulativeTotal) {
        epoch = _claimableEpoch();
        Epoch storage e = _epochs[epoch];
        return (epoch, e.root, e.cumulativeTotal);
    }

    /// @inheritdoc IUsageLedger
    function totalClaimed() external view returns (uint256) {
        return _totalClaimed;
    }

    /// @inheritdoc IUsageLedger
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    /// @inheritdoc IUsageLedger
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32) {
        return _hashTypedDataV4(_hashVoucher(voucher));
    }

    /// @inheritdoc IUsageLedger
    function hashEpochReport(EpochReport calldata report) external view returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](report.vouchers.length);
        for (uint256 i; i < hashes.length; ++i) {
            hashes[i] = _hashVoucher(report.vouchers[i]);
        }
        return _hashTypedDataV4(_hashReport(report, keccak256(abi.encodePacked(hashes))));
    }

    /// @inheritdoc IUsageLedger
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ─── Internal ─────────────────────────────────────────────────────────────

    function _deposit(address account, uint256 amount) internal {
        if (amount == 0) revert LedgerZeroAmount();
        uint256 balance = balanceOf[account] + amount;
        balanceOf[account] = balance;
        totalBalances += amount;
        emit Deposited(account, msg.sender, amount, balance);
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev Epochs settle one at a time, so a root builds on a final one: the previous epoch must be out of its
    /// window (it becomes final here) or voided.
    function _closePrevious(uint64 previous) internal {
        Epoch storage e = _epochs[previous];
        EpochStatus status = e.status;
        if (status == EpochStatus.Disputed) revert LedgerEpochDisputed(previous);
        if (status == EpochStatus.Pending) {
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp < e.challengeEndsAt) revert LedgerEpochPending(previous, e.challengeEndsAt);
            e.status = EpochStatus.Final;
            _finalEpoch = previous;
        }
    }

    /// @dev Verifies and applies every voucher; returns what they debited and the EIP-712 hash of the array.
    function _settleVouchers(uint64 epoch, Voucher[] calldata vouchers, bytes[] calldata voucherSignatures)
        internal
        returns (uint256 debited, bytes32 vouchersHash)
    {
        if (vouchers.length != voucherSignatures.length) {
            revert LedgerVoucherSignaturesMismatch(vouchers.length, voucherSignatures.length);
        }
        bytes32[] memory hashes = new bytes32[](vouchers.length);
        for (uint256 i; i < vouchers.length; ++i) {
            uint256 debit;
            (debit, hashes[i]) = _settleVoucher(epoch, i, vouchers[i], voucherSignatures[i]);
            debited += debit;
        }
        vouchersHash = keccak256(abi.encodePacked(hashes));
    }

    /// @dev Advances one channel to its voucher's cumulative spend and debits the requester what it owes, or what
    /// is left of its balance.
    function _settleVoucher(uint64 epoch, uint256 index, Voucher calldata v, bytes calldata signature)
        internal
        returns (uint256 debit, bytes32 structHash)
    {
        // forge-lint: disable-next-line(block-timestamp)
        if (v.expiry < block.timestamp) revert LedgerVoucherExpired(index, v.expiry);
        structHash = _hashVoucher(v);
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(_hashTypedDataV4(structHash), signature);
        if (error != ECDSA.RecoverError.NoError || signer != v.requester) {
            revert LedgerInvalidVoucherSignature(index, signer);
        }
        uint256 settled = _settled[v.requester][v.keeper];
        if (v.cumulativeSpend <= settled) revert LedgerVoucherReplayed(index, v.cumulativeSpend, settled);
        _settled[v.requester][v.keeper] = v.cumulativeSpend;
        uint256 owed = v.cumulativeSpend - settled;
        uint256 balance = balanceOf[v.requester];
        debit = owed < balance ? owed : balance;
        balanceOf[v.requester] = balance - debit;
        emit VoucherSettled(epoch, v.requester, v.keeper, v.cumulativeSpend, debit, owed - debit);
    }

    /// @dev The market's quorum rules: at least `quorum` strictly ascending active signers holding at least the
    /// stake quorum.
    function _verifyQuorum(bytes32 digest, bytes[] calldata signatures) internal view returns (address[] memory) {
        IKeeperRegistry keepers = IKeeperRegistry(keeperRegistry);
        uint256 quorum = keepers.quorum();
        if (signatures.length < quorum) revert LedgerBelowQuorum(signatures.length, quorum);
        address[] memory signers = new address[](signatures.length);
        address previous;
        uint256 signedStake;
        for (uint256 i; i < signatures.length; ++i) {
            (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signatures[i]);
            if (error != ECDSA.RecoverError.NoError) revert LedgerInvalidSignature(i);
            if (signer <= previous) revert LedgerSignersNotAscending(i, signer);
            uint256 stake = keepers.activeStakeOf(signer);
            if (stake == 0) revert LedgerInactiveKeeper(signer);
            signedStake += stake;
            signers[i] = signer;
            previous = signer;
        }
        uint256 quorumStake = keepers.quorumStake();
        if (signedStake < quorumStake) revert LedgerBelowStakeQuorum(signedStake, quorumStake);
        return signers;
    }

    /// @dev Stores the accepted epoch and opens its challenge window (a function of its own for the stack).
    function _record(EpochReport calldata report, uint256 debited, address[] memory signers) internal {
        uint64 epoch = report.epoch;
        uint64 challengeEndsAt = uint64(block.timestamp) + _parameters.challengeWindow;
        epochCount = epoch;
        _epochs[epoch] = Epoch(
            report.root, SafeCast.toUint128(report.cumulativeTotal), challengeEndsAt, EpochStatus.Pending, msg.sender
        );
        _signers[epoch] = signers;
        emit EpochSubmitted(
            epoch,
            report.root,
            report.cumulativeTotal,
            debited,
            report.calls,
            report.dataURI,
            msg.sender,
            signers,
            challengeEndsAt
        );
    }

    function _freezeSigners(uint64 epoch, uint64 until) internal {
        address[] storage signers = _signers[epoch];
        for (uint256 i; i < signers.length; ++i) {
            IKeeperRegistry(keeperRegistry).freeze(signers[i], until);
        }
    }

    /// @dev The latest epoch past its window, else the latest made final (zero for none).
    function _claimableEpoch() internal view returns (uint64) {
        uint64 latest = epochCount;
        Epoch storage e = _epochs[latest];
        // forge-lint: disable-next-line(block-timestamp)
        if (e.status == EpochStatus.Pending && block.timestamp >= e.challengeEndsAt) return latest;
        return _finalEpoch;
    }

    function _openDispute(uint64 epoch) internal view returns (Dispute storage d) {
        d = _disputes[epoch];
        if (d.disputer == address(0) || d.executed) revert LedgerNoOpenDispute(epoch);
    }

    function _hashVoucher(Voucher calldata v) internal pure returns (bytes32) {
        return keccak256(abi.encode(VOUCHER_TYPEHASH, v.requester, v.keeper, v.cumulativeSpend, v.expiry));
    }

    function _hashReport(EpochReport calldata report, bytes32 vouchersHash) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                EPOCH_REPORT_TYPEHASH,
                report.epoch,
                report.root,
                report.cumulativeTotal,
                report.spend,
                report.calls,
                keccak256(bytes(report.dataURI)),
                vouchersHash
            )
        );
    }

    function _setParameters(Parameters memory p) internal {
        uint64 unbondingDelay = IKeeperRegistry(keeperRegistry).unbondingDelay();
        if (
            p.challengeWindow < MIN_PERIOD || p.challengeWindow > MAX_PERIOD || p.challengeWindow >= unbondingDelay
                || p.withdrawalDelay <= p.challengeWindow || p.withdrawalDelay > MAX_PERIOD || p.disputeBond == 0
                || p.resolutionPeriod < MIN_PERIOD || p.resolutionPeriod > MAX_PERIOD || p.appealWindow < MIN_PERIOD
                || p.appealWindow > MAX_PERIOD
        ) revert LedgerParametersOutOfBounds(p, unbondingDelay);
        _parameters = p;
        emit ParametersSet(p);
    }

    function _setGuardian(address guardian_) internal {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    function _setTreasury(address treasury_) internal {
        if (treasury_ == address(0)) revert LedgerZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }
}
