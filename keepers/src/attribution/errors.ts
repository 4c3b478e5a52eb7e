/** Base class of every error the attribution engine throws on bad input. */
export class AttributionError extends Error {
  override name = "AttributionError";
}
