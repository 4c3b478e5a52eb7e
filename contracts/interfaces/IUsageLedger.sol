// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IUsageLedger
/// @notice Metered billing with batched epoch settlement, beside the per-request InferenceMarket.
///
/// A requester deposits OPEN once and signs, with each API call, an EIP-712 `Voucher`: the cumulative amount it
/// has spent with one keeper so far, valid until `expiry`. A keeper serves a call when the requester's available
/// balance covers the voucher's increase over what the channel already settled. A model's price is per request or
/// per input and output token (`setPrice` by the model's owner; by default the ModelRegistry's price per request).
///
/// Keepers aggregate an epoch's calls off-chain, split each call's cost as the market does (treasury, executor,
/// model owners, contributors by attribution weight), and the keeper stake quorum (the market's rules: at least
/// `quorum` active signers, ascending, holding at least `quorumStake`) signs one `EpochReport`: a Merkle root of
/// every account's CUMULATIVE earnings over all epochs, the cumulative total of the tree, the epoch's spend and the
/// latest voucher of every channel that spent. The ledger verifies each voucher, debits the requesters, and
/// requires the declared spend to equal the vouchers' and the cumulative total to equal everything ever debited,
/// so a quorum cannot declare more than requesters signed for. The report then waits `challengeWindow`; the next
/// epoch can only be submitted once it has passed. Accounts claim with a proof against the latest root out of its
/// window (cumulative: one claim covers every past epoch), and claims never exceed that root's total.
///
/// A root whose leaves are wrong (misattributed, or summing to more than its total) is disputed within the window
/// with a bond: the signers' stake is frozen, claims keep using the previous root, and the guardian rules (its
/// ruling executable after `appealWindow`, during which governance may override it; governance's ruling is
/// final). Upheld: the epoch is voided and never pays, its signers are slashed through the KeeperRegistry and the
/// bond returns; the vouchers stay spent and the next report must account for their spend. Rejected: the root
/// stands and the bond is forfeited, half to the report's submitter and half to the treasury. Unruled by
/// `resolutionPeriod`: the root stands and the bond returns.
///
/// A withdrawal waits `withdrawalDelay`, during which the balance still pays settled vouchers, so a requester
/// cannot pull funds from under keepers that served it; keepers stop serving against a balance once a withdrawal
/// is requested (`availableBalance` leaves it out). No withdrawal completes while an epoch is disputed: the
/// dispute holds up settlement, so the delay alone would not cover the vouchers served meanwhile.
interface IUsageLedger {
    /// @notice A requester's signed spend with one keeper: the channel `(requester, keeper)` has spent
    /// `cumulativeSpend` OPEN wei in total. The cumulative amount is the voucher's nonce: a settled voucher, or any
    /// with a lower amount, can never be settled again.
    struct Voucher {
        address requester;
        address keeper;
        uint256 cumulativeSpend;
        uint64 expiry;
    }

    /// @notice What the keeper quorum signs for one epoch.
    /// @param epoch The epoch's number: one more than `epochCount`.
    /// @param root Merkle root (OpenZeppelin StandardMerkleTree, leaves `(address account, uint256 cumulative)`)
    /// of every account's cumulative earnings.
    /// @param cumulativeTotal Sum of the tree's leaves: everything ever debited from requesters.
    /// @param spend OPEN debited from requesters by this epoch's vouchers.
    /// @param calls Paid calls in the epoch (informational).
    /// @param dataURI Where the full tree and the epoch's calls are published, for claimers and watchers.
    /// @param vouchers The latest voucher of each channel that spent in the epoch.
    struct EpochReport {
        uint64 epoch;
        bytes32 root;
        uint256 cumulativeTotal;
        uint256 spend;
        uint64 calls;
        string dataURI;
        Voucher[] vouchers;
    }

    /// @notice A submitted epoch's lifecycle.
    enum EpochStatus {
        None,
        Pending,
        Disputed,
        Voided,
        Final
    }

    /// @notice A submitted epoch. `Pending` turns claimable once `challengeEndsAt` has passed.
    struct Epoch {
        bytes32 root;
        uint128 cumulativeTotal;
        uint64 challengeEndsAt;
        EpochStatus status;
        address submitter;
    }

    /// @notice A dispute's ruling; `None` while nobody ruled.
    enum Ruling {
        None,
        Upheld,
        Rejected
    }

    /// @notice The dispute of an epoch.
    struct Dispute {
        address disputer;
        uint64 resolveBy;
        uint64 executableAt;
        uint64 appealWindow;
        Ruling ruling;
        bool executed;
        uint256 bond;
    }

    /// @notice A model's price on the ledger, in OPEN wei.
    struct Price {
        uint96 perRequest;
        uint80 perInputToken;
        uint80 perOutputToken;
    }

    /// @notice Governance parameters.
    /// @param challengeWindow Seconds an epoch report waits before it is claimable (below the keepers' unbonding).
    /// @param withdrawalDelay Seconds between `requestWithdrawal` and `withdraw` (above the challenge window).
    /// @param disputeBond OPEN a disputer posts (above zero).
    /// @param resolutionPeriod Seconds the guardian or governance has to rule.
    /// @param appealWindow Seconds a guardian ruling waits, during which governance may override it.
    struct Parameters {
        uint64 challengeWindow;
        uint64 withdrawalDelay;
        uint256 disputeBond;
        uint64 resolutionPeriod;
        uint64 appealWindow;
    }

    // ─── Errors ───────────────────────────────────────────────────────────────

    /// @notice A zero address was given where a contract or account is required.
    error LedgerZeroAddress();
    /// @notice A zero amount was given where a positive one is required.
    error LedgerZeroAmount();
    /// @notice A parameter is out of its bounds; `unbondingDelay` is the keepers' unbonding delay.
    error LedgerParametersOutOfBounds(Parameters parameters, uint64 unbondingDelay);
    /// @notice `account` has no withdrawal requested.
    error LedgerNoWithdrawal(address account);
    /// @notice `account`'s withdrawal unlocks at `unlockAt`.
    error LedgerWithdrawalLocked(address account, uint64 unlockAt);
    /// @notice `caller` does not own model `modelId`.
    error LedgerCallerNotModelOwner(uint256 modelId, address caller);
    /// @notice Model `modelId` cannot be requested (unknown, paused, retired or delisted).
    error LedgerModelNotRequestable(uint256 modelId);
    /// @notice The report is for epoch `given`; the next epoch is `expected`.
    error LedgerWrongEpoch(uint64 expected, uint64 given);
    /// @notice Epoch `epoch` is still in its challenge window (until `challengeEndsAt`).
    error LedgerEpochPending(uint64 epoch, uint64 challengeEndsAt);
    /// @notice Epoch `epoch` is disputed.
    error LedgerEpochDisputed(uint64 epoch);
    /// @notice The report's root is zero.
    error LedgerZeroRoot();
    /// @notice `vouchers` vouchers came with `signatures` requester signatures.
    error LedgerVoucherSignaturesMismatch(uint256 vouchers, uint256 signatures);
    /// @notice Voucher `index` expired at `expiry`.
    error LedgerVoucherExpired(uint256 index, uint64 expiry);
    /// @notice Voucher `index` is not signed by its requester (`signer` recovered, zero for a malformed one).
    error LedgerInvalidVoucherSignature(uint256 index, address signer);
    /// @notice Voucher `index` spends `cumulativeSpend` on a channel that already settled `settled`: a replay.
    error LedgerVoucherReplayed(uint256 index, uint256 cumulativeSpend, uint256 settled);
    /// @notice The report declares `declared` spent this epoch; its vouchers debited `debited`.
    error LedgerSpendMismatch(uint256 declared, uint256 debited);
    /// @notice The report declares a cumulative total of `declared`; requesters were debited `debited` in all.
    error LedgerCumulativeTotalMismatch(uint256 declared, uint256 debited);
    /// @notice Keeper signature `index` is malformed or does not recover.
    error LedgerInvalidSignature(uint256 index);
    /// @notice Keeper signer `signer` at `index` is not above the previous one.
    error LedgerSignersNotAscending(uint256 index, address signer);
    /// @notice `count` keeper signatures, below the quorum `quorum`.
    error LedgerBelowQuorum(uint256 count, uint256 quorum);
    /// @notice `keeper` is not an active keeper.
    error LedgerInactiveKeeper(address keeper);
    /// @notice The signers hold `signedStake`, below the stake quorum `quorumStake`.
    error LedgerBelowStakeQuorum(uint256 signedStake, uint256 quorumStake);
    /// @notice No epoch root is claimable yet.
    error LedgerNoClaimableRoot();
    /// @notice The proof does not show `(account, cumulative)` in the root of epoch `epoch`.
    error LedgerInvalidProof(uint64 epoch, address account, uint256 cumulative);
    /// @notice `account` already claimed `claimed` of its cumulative `cumulative`.
    error LedgerNothingToClaim(address account, uint256 cumulative, uint256 claimed);
    /// @notice Paying `amount` would take the claims past the root's total `cumulativeTotal` (claimed so far:
    /// `totalClaimed`).
    error LedgerClaimExceedsTotal(uint256 amount, uint256 totalClaimed, uint256 cumulativeTotal);
    /// @notice Epoch `epoch` is `status`, not pending.
    error LedgerEpochNotPending(uint64 epoch, EpochStatus status);
    /// @notice The challenge window of epoch `epoch` closed at `challengeEndsAt`.
    error LedgerChallengeWindowClosed(uint64 epoch, uint64 challengeEndsAt);
    /// @notice Epoch `epoch` has no open dispute.
    error LedgerNoOpenDispute(uint64 epoch);
    /// @notice `caller` is neither the guardian nor the owner.
    error LedgerCallerNotJudge(address caller);
    /// @notice Nobody ruled on the dispute of `epoch` by `resolveBy`; it can only be executed.
    error LedgerResolutionPeriodOver(uint64 epoch, uint64 resolveBy);
    /// @notice The dispute of `epoch` was already ruled (executable from `executableAt`).
    error LedgerAlreadyRuled(uint64 epoch, uint64 executableAt);
    /// @notice The dispute of `epoch` can be executed from `executableAt`.
    error LedgerNotExecutable(uint64 epoch, uint64 executableAt);

    // ─── Events ───────────────────────────────────────────────────────────────

    /// @notice `from` deposited `amount` for `account`, whose balance is now `balance`.
    event Deposited(address indexed account, address indexed from, uint256 amount, uint256 balance);
    /// @notice `account` asked to withdraw `amount` from `unlockAt` (zero cancels).
    event WithdrawalRequested(address indexed account, uint256 amount, uint64 unlockAt);
    /// @notice `account` withdrew `amount` to itself.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice The owner of `modelId` set its ledger price.
    event PriceSet(uint256 indexed modelId, uint256 perRequest, uint256 perInputToken, uint256 perOutputToken);
    /// @notice Channel `(requester, keeper)` settled up to `cumulativeSpend` in `epoch`, debiting `debited`;
    /// `shortfall` of the voucher was not covered by the balance.
    event VoucherSettled(
        uint64 indexed epoch,
        address indexed requester,
        address indexed keeper,
        uint256 cumulativeSpend,
        uint256 debited,
        uint256 shortfall
    );
    /// @notice Epoch `epoch` was submitted by `submitter` with `root`; claimable after `challengeEndsAt`.
    event EpochSubmitted(
        uint64 indexed epoch,
        bytes32 root,
        uint256 cumulativeTotal,
        uint256 spend,
        uint64 calls,
        string dataURI,
        address submitter,
        address[] signers,
        uint64 challengeEndsAt
    );
    /// @notice `disputer` disputed epoch `epoch`, posting `bond`; evidence at `evidenceURI`.
    event EpochDisputed(uint64 indexed epoch, address indexed disputer, uint256 bond, string evidenceURI);
    /// @notice `by` ruled the dispute of `epoch`; executable from `executableAt`.
    event EpochRuled(uint64 indexed epoch, bool upheld, address indexed by, uint64 executableAt);
    /// @notice The dispute of `epoch` was executed: `upheld` voided the epoch and slashed `slashed` in total.
    event EpochDisputeExecuted(uint64 indexed epoch, bool upheld, uint256 slashed);
    /// @notice A rejected dispute's bond went `submitterAmount` to the report's submitter, the rest to the treasury.
    event DisputeBondForfeited(
        uint64 indexed epoch, address submitter, uint256 submitterAmount, uint256 treasuryAmount
    );
    /// @notice `account` claimed `amount` against epoch `epoch`'s root, reaching `cumulative`.
    event Claimed(address indexed account, uint64 indexed epoch, uint256 amount, uint256 cumulative);
    /// @notice The parameters changed.
    event ParametersSet(Parameters parameters);
    /// @notice The guardian changed (zero for none).
    event GuardianSet(address indexed guardian);
    /// @notice The treasury changed.
    event TreasurySet(address indexed treasury);

    // ─── Balances ─────────────────────────────────────────────────────────────

    /// @notice Deposits `amount` OPEN (approved to the ledger) to the caller's balance.
    /// @param amount OPEN wei.
    function deposit(uint256 amount) external;

    /// @notice Deposits `amount` OPEN of the caller to `account`'s balance.
    /// @param account Whose balance grows.
    /// @param amount OPEN wei.
    function depositFor(address account, uint256 amount) external;

    /// @notice Asks to withdraw `amount` after `withdrawalDelay`; replaces any earlier request, zero cancels.
    /// @param amount OPEN wei (at most what remains in the balance at withdrawal is paid).
    /// @return unlockAt When `withdraw` may be called.
    function requestWithdrawal(uint256 amount) external returns (uint64 unlockAt);

    /// @notice Withdraws the requested amount, capped at the balance left after settled vouchers, to the caller;
    /// refused while the latest epoch is disputed (`LedgerEpochDisputed`).
    /// @return amount OPEN wei sent.
    function withdraw() external returns (uint256 amount);

    // ─── Prices ───────────────────────────────────────────────────────────────

    /// @notice Sets the ledger price of `modelId`; only the model's owner (its ERC-721 holder).
    /// @param modelId The model.
    /// @param perRequest OPEN wei per call.
    /// @param perInputToken OPEN wei per prompt token.
    /// @param perOutputToken OPEN wei per generated token.
    function setPrice(uint256 modelId, uint256 perRequest, uint256 perInputToken, uint256 perOutputToken) external;

    // ─── Settlement ───────────────────────────────────────────────────────────

    /// @notice Settles one epoch: verifies the vouchers, debits the requesters, checks the totals and the keeper
    /// quorum's signatures, and opens the challenge window.
    /// @dev A voucher the balance no longer covers debits what is left (`VoucherSettled.shortfall`), so one
    /// requester cannot block an epoch; an expired, replayed or forged voucher reverts the whole report.
    /// @param report The epoch report.
    /// @param voucherSignatures The requesters' signatures of `report.vouchers`, in order.
    /// @param signatures The keepers' signatures of the report, ascending by signer.
    /// @return digest The report's EIP-712 digest.
    function submitEpoch(EpochReport calldata report, bytes[] calldata voucherSignatures, bytes[] calldata signatures)
        external
        returns (bytes32 digest);

    /// @notice Pays `account` its cumulative earnings in the latest claimable root less what it already claimed.
    /// @dev Anyone may call it; the payment always goes to `account`.
    /// @param account The earner (a leaf of the tree).
    /// @param cumulative Its cumulative earnings in the root.
    /// @param proof The Merkle proof of `(account, cumulative)`.
    /// @return amount OPEN wei paid.
    function claim(address account, uint256 cumulative, bytes32[] calldata proof) external returns (uint256 amount);

    // ─── Disputes ─────────────────────────────────────────────────────────────

    /// @notice Disputes the pending epoch within its challenge window, posting `disputeBond`.
    /// @param epoch The pending epoch.
    /// @param evidenceURI Where the evidence is.
    /// @return bond OPEN posted.
    function dispute(uint64 epoch, string calldata evidenceURI) external returns (uint256 bond);

    /// @notice Rules the dispute of `epoch`: the guardian once within the resolution period, governance while the
    /// guardian's ruling waits (or first, with a final ruling).
    /// @param epoch The disputed epoch.
    /// @param upheld Whether the root is wrong.
    function rule(uint64 epoch, bool upheld) external;

    /// @notice Executes the ruling (or the timeout) of the dispute of `epoch`.
    /// @param epoch The disputed epoch.
    /// @return slashed OPEN slashed from the signers.
    function execute(uint64 epoch) external returns (uint256 slashed);

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets the parameters; only the owner.
    /// @param parameters The parameters.
    function setParameters(Parameters calldata parameters) external;

    /// @notice Sets the guardian (zero for none); only the owner.
    /// @param guardian The guardian.
    function setGuardian(address guardian) external;

    /// @notice Sets the treasury; only the owner.
    /// @param treasury The treasury.
    function setTreasury(address treasury) external;

    // ─── Views ────────────────────────────────────────────────────────────────

    /// @notice The OPEN token.
    /// @return The token.
    function token() external view returns (address);

    /// @notice The keeper registry whose quorum signs epochs.
    /// @return The registry.
    function keeperRegistry() external view returns (address);

    /// @notice The model registry.
    /// @return The registry.
    function modelRegistry() external view returns (address);

    /// @notice The guardian (zero for none).
    /// @return The guardian.
    function guardian() external view returns (address);

    /// @notice The treasury (receives half of forfeited bonds).
    /// @return The treasury.
    function treasury() external view returns (address);

    /// @notice `account`'s deposited balance not yet debited or withdrawn.
    /// @param account The account.
    /// @return OPEN wei.
    function balanceOf(address account) external view returns (uint256);

    /// @notice The balance keepers may serve against: the balance less a requested withdrawal.
    /// @param account The requester.
    /// @return OPEN wei.
    function availableBalance(address account) external view returns (uint256);

    /// @notice `account`'s requested withdrawal.
    /// @param account The account.
    /// @return amount OPEN wei requested (zero for none).
    /// @return unlockAt When it can be withdrawn.
    function pendingWithdrawal(address account) external view returns (uint256 amount, uint64 unlockAt);

    /// @notice The cumulative spend settled on channel `(requester, keeper)`.
    /// @param requester The requester.
    /// @param keeper The keeper.
    /// @return OPEN wei.
    function settledSpend(address requester, address keeper) external view returns (uint256);

    /// @notice The price of `modelId`: the owner's ledger price, or the ModelRegistry's price per request.
    /// @param modelId The model.
    /// @return price The price.
    function priceOf(uint256 modelId) external view returns (Price memory price);

    /// @notice The cost of one call of `modelId` with `inputTokens` prompt and `outputTokens` generated tokens.
    /// @param modelId A requestable model.
    /// @param inputTokens Prompt tokens.
    /// @param outputTokens Generated tokens.
    /// @return OPEN wei.
    function quote(uint256 modelId, uint256 inputTokens, uint256 outputTokens) external view returns (uint256);

    /// @notice Epochs submitted so far (voided ones included).
    /// @return The count.
    function epochCount() external view returns (uint64);

    /// @notice A submitted epoch.
    /// @param epoch The epoch.
    /// @return The epoch.
    function getEpoch(uint64 epoch) external view returns (Epoch memory);

    /// @notice The signers of an epoch report.
    /// @param epoch The epoch.
    /// @return The signers, ascending.
    function epochSigners(uint64 epoch) external view returns (address[] memory);

    /// @notice The dispute of an epoch.
    /// @param epoch The epoch.
    /// @return The dispute.
    function getDispute(uint64 epoch) external view returns (Dispute memory);

    /// @notice The root claims prove against: the latest epoch out of its window and not voided.
    /// @return epoch The epoch (zero for none yet).
    /// @return root Its root.
    /// @return cumulativeTotal Its total.
    function claimableRoot() external view returns (uint64 epoch, bytes32 root, uint256 cumulativeTotal);

    /// @notice What `account` has claimed in total.
    /// @param account The account.
    /// @return OPEN wei.
    function claimedBy(address account) external view returns (uint256);

    /// @notice OPEN ever debited from requesters by vouchers.
    /// @return OPEN wei.
    function totalSpent() external view returns (uint256);

    /// @notice OPEN ever claimed by earners.
    /// @return OPEN wei.
    function totalClaimed() external view returns (uint256);

    /// @notice Sum of all balances.
    /// @return OPEN wei.
    function totalBalances() external view returns (uint256);

    /// @notice The parameters.
    /// @return The parameters.
    function parameters() external view returns (Parameters memory);

    /// @notice The EIP-712 digest of a voucher.
    /// @param voucher The voucher.
    /// @return The digest its requester signs.
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32);

    /// @notice The EIP-712 digest of an epoch report.
    /// @param report The report.
    /// @return The digest keepers sign.
    function hashEpochReport(EpochReport calldata report) external view returns (bytes32);

    /// @notice The EIP-712 domain separator.
    /// @return The separator.
    function domainSeparator() external view returns (bytes32);
}
