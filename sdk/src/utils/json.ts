/** `JSON.stringify` replacer writing bigints as decimal strings (JSON has no bigint). */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * `JSON.stringify` that writes bigints as decimal strings, as the protocol's services and
 * manifests do.
 *
 * @example
 * toJson({ requestId: 1n }) // '{"requestId":"1"}'
 */
export function toJson(value: unknown, space?: number): string {
  return JSON.stringify(value, bigintReplacer, space);
}
