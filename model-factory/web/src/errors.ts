/**
 * One line for the UI. SDK errors carry a one-line `shortMessage` (a revert already decoded to
 * its custom error); a registration of an adapter that is already registered names the model.
 */
export function errorText(error: unknown): string {
  const e = error as {
    errorName?: string;
    args?: readonly unknown[];
    shortMessage?: string;
    message?: string;
  };
  if (e.errorName === "ModelDuplicateAdapter") {
    return `This adapter is already registered, as model ${String(e.args?.[1])}.`;
  }
  return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0] as string;
}
