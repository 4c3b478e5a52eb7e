import { BaseError } from "@payable-ai/sdk";
/** Base class of every error the attribution engine throws on bad input. */
export class AttributionError extends BaseError {
  override name = "AttributionError";
}
