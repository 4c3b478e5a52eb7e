import { parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import { datanetWithContributions, roles } from "../../../test/fixtures.js";
import { ContractRevertedError } from "../../errors/contract.js";
import { datanetRegistryAbi, openTokenAbi } from "../../generated/abis.js";
import { contentHash } from "../../utils/contentHash.js";
import { approveAccess } from "./approveAccess.js";
import { cancelAccessRequest } from "./cancelAccessRequest.js";
import { contribute } from "./contribute.js";
import { denyAccess } from "./denyAccess.js";
import { hasAccess } from "./hasAccess.js";
import { rejectContribution } from "./rejectContribution.js";
import { requestAccess } from "./requestAccess.js";
import { revokeAccess } from "./revokeAccess.js";
import { setPayee } from "./setPayee.js";

const chain = sharedChain();
const { contracts, publicClient, wallet } = chain;
const balanceOf = (address: `0x${string}`) =>
  publicClient.readContract({
    address: contracts.OpenToken,
    abi: openTokenAbi,
    functionName: "balanceOf",
    args: [address],
  });

describe("datanet actions", () => {
  test("create, contribute with bond approval, accept: the bond comes back", async () => {
    const contributor = wallet(roles.contributor).account.address;
    const { datanetId, contributions } = await datanetWithContributions(chain, ["first"]);
    const [first] = contributions;
    const stored = await publicClient.readContract({
      address: contracts.DatanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "getContribution",
      args: [first?.contributionId ?? 0n],
    });
    expect(stored).toMatchObject({ datanetId, contributor, contentHash: contentHash("first"), status: 2 });
    expect(await balanceOf(contributor)).toBe(parseEther("10000"));
  });

  test("a duplicate is refused with a decoded custom error", async () => {
    const { datanetId, contributions } = await datanetWithContributions(chain, ["duplicate me"]);
    const error = await contribute(wallet(roles.contributor2), {
      contracts,
      datanetId,
      contentHash: contentHash("duplicate me"),
      uri: "blob:again",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRevertedError);
    expect((error as ContractRevertedError).errorName).toBe("DatanetDuplicateContent");
    expect((error as ContractRevertedError).args).toEqual([
      datanetId,
      contentHash("duplicate me"),
      contributions[0]?.contributionId,
    ]);
    expect((error as ContractRevertedError).shortMessage).toMatch(
      /^Reverted with DatanetDuplicateContent\(datanetId: /,
    );
  });

  test("reject slashes the bond; setPayee moves payouts", async () => {
    const { datanetId } = await datanetWithContributions(chain, []);
    const contributor = wallet(roles.contributor);
    const before = await balanceOf(contributor.account.address);
    const { contributionId, bond } = await contribute(contributor, {
      contracts,
      datanetId,
      contentHash: contentHash("spam"),
      uri: "blob:spam",
    });
    await setPayee(contributor, { contracts, contributionId, newPayee: wallet(roles.user).account.address });
    await rejectContribution(wallet(roles.curator), { contracts, contributionId });
    expect(await balanceOf(contributor.account.address)).toBe(before - bond);
    const stored = await publicClient.readContract({
      address: contracts.DatanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "getContribution",
      args: [contributionId],
    });
    expect(stored.status).toBe(3);
    expect(stored.payee).toBe(wallet(roles.user).account.address);
  });

  test("access: request, approve, revoke; deny and cancel refund the fee", async () => {
    const { datanetId } = await datanetWithContributions(chain, []);
    const developer = wallet(roles.developer);
    const owner = wallet(roles.owner);
    const account = developer.account.address;
    const start = await balanceOf(account);

    const { fee } = await requestAccess(developer, { contracts, datanetId });
    expect(await hasAccess(publicClient, { contracts, datanetId, account })).toBe(false);
    await denyAccess(owner, { contracts, datanetId, account });
    expect(await balanceOf(account)).toBe(start);

    await requestAccess(developer, { contracts, datanetId });
    await cancelAccessRequest(developer, { contracts, datanetId });
    expect(await balanceOf(account)).toBe(start);

    await requestAccess(developer, { contracts, datanetId });
    await approveAccess(owner, { contracts, datanetId, account });
    expect(await hasAccess(publicClient, { contracts, datanetId, account })).toBe(true);
    expect(await balanceOf(account)).toBe(start - fee);

    await revokeAccess(owner, { contracts, datanetId, account });
    expect(await hasAccess(publicClient, { contracts, datanetId, account })).toBe(false);
  });

  test("a bond or fee raised above the caller's maximum is refused, not charged", async () => {
    const { datanetId } = await datanetWithContributions(chain, []);
    const owner = wallet(roles.owner);
    const hash = await owner.writeContract({
      address: contracts.DatanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "updateDatanet",
      args: [
        datanetId,
        {
          metadataURI: "ipfs://datanet",
          contributionBond: parseEther("20"),
          accessFee: parseEther("80"),
          reviewTimeout: 86_400n,
        },
      ],
    });
    await publicClient.waitForTransactionReceipt({ hash });
    await expect(
      contribute(wallet(roles.contributor), {
        contracts,
        datanetId,
        contentHash: contentHash("capped"),
        uri: "blob:capped",
        maxBond: parseEther("10"),
      }),
    ).rejects.toThrow(/DatanetBondAboveMax/);
    await expect(
      requestAccess(wallet(roles.developer), { contracts, datanetId, maxFee: parseEther("50") }),
    ).rejects.toThrow(/DatanetFeeAboveMax/);
    const { fee } = await requestAccess(wallet(roles.developer), { contracts, datanetId });
    expect(fee).toBe(parseEther("80"));
  });

  test("only the owner approves access", async () => {
    const { datanetId } = await datanetWithContributions(chain, []);
    const account = wallet(roles.developer).account.address;
    await requestAccess(wallet(roles.developer), { contracts, datanetId });
    await expect(approveAccess(wallet(roles.user), { contracts, datanetId, account })).rejects.toThrow(
      /DatanetNotOwner/,
    );
  });
});
