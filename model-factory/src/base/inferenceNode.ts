/** The inference node's model format, reference forward pass and PEFT reader/writer. */
export * from "@payable-ai/inference-node/training";
