import { ponder } from "ponder:registry";
import { model, modelPart } from "ponder:schema";
import { zeroAddress } from "viem";

ponder.on("ModelRegistry:ModelRegistered", async ({ event, context }) => {
  const { modelId, owner, baseModelId, adapterHash, adapterURI, manifestRoot, datanetIds, pricePerRequest } =
    event.args;
  await context.db.insert(model).values({
    id: modelId,
    owner,
    isComposite: false,
    baseModelId,
    adapterHash,
    adapterUri: adapterURI,
    manifestRoot,
    datanetIds: [...datanetIds],
    pricePerRequest,
    metadataUri: event.args.metadataURI,
    status: "active",
    registeredAt: event.block.timestamp,
  });
});

ponder.on("ModelRegistry:CompositeRegistered", async ({ event, context }) => {
  const { modelId, owner, partIds, weightsBps, pricePerRequest, metadataURI } = event.args;
  await context.db.insert(model).values({
    id: modelId,
    owner,
    isComposite: true,
    datanetIds: [],
    pricePerRequest,
    metadataUri: metadataURI,
    status: "active",
    registeredAt: event.block.timestamp,
  });
  await context.db
    .insert(modelPart)
    .values(partIds.map((partId, i) => ({ compositeId: modelId, partId, weightBps: Number(weightsBps[i]) })));
});

ponder.on("ModelRegistry:ModelRepriced", async ({ event, context }) => {
  await context.db
    .update(model, { id: event.args.modelId })
    .set({ pricePerRequest: event.args.pricePerRequest });
});

ponder.on("ModelRegistry:ModelMetadataUpdated", async ({ event, context }) => {
  await context.db.update(model, { id: event.args.modelId }).set({ metadataUri: event.args.metadataURI });
});

ponder.on("ModelRegistry:ModelPaused", async ({ event, context }) => {
  await context.db.update(model, { id: event.args.modelId }).set({ status: "paused" });
});

ponder.on("ModelRegistry:ModelUnpaused", async ({ event, context }) => {
  await context.db.update(model, { id: event.args.modelId }).set({ status: "active" });
});

ponder.on("ModelRegistry:ModelRetired", async ({ event, context }) => {
  await context.db.update(model, { id: event.args.modelId }).set({ status: "retired" });
});

ponder.on("ModelRegistry:ModelDelisted", async ({ event, context }) => {
  await context.db
    .update(model, { id: event.args.modelId })
    .set({ status: "delisted", delistReason: event.args.reason });
});

// A model is an ERC-721 token: its holder receives the model share. Mints are recorded by
// the registration events above.
ponder.on("ModelRegistry:Transfer", async ({ event, context }) => {
  const { from, to, tokenId } = event.args;
  if (from === zeroAddress) return;
  await context.db.update(model, { id: tokenId }).set({ owner: to });
});
