/**
 * Polls `probe` until it returns a value (anything but `undefined` or `false`) and returns it;
 * throws `timed out waiting for <what>` after `timeoutMs`. For tests and scripts that wait on a
 * chain, a service or a process.
 *
 * @example
 * const receipt = await until("the report", () => getReport(id), 30_000)
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
