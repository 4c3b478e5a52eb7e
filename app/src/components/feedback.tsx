import { Alert, Center, Loader, Text } from "@mantine/core";
import { type ReactNode, useCallback, useState } from "react";
import { errorText } from "../errors.js";

/** An error in words, announced to screen readers. */
export function ErrorText({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <Alert color="red" role="alert" variant="light" title="Something went wrong">
      {error}
    </Alert>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <Center py="md" aria-busy="true">
      <Loader size="sm" mr="xs" />
      <Text c="dimmed" size="sm">
        Loading {what}…
      </Text>
    </Center>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" size="sm" py="sm" data-testid="empty">
      {children}
    </Text>
  );
}

/**
 * Runs one user action at a time: `busy` while it runs, its error in words afterwards; a new
 * attempt clears the previous error first, so no stale message stays on screen.
 */
export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<unknown>,
): { run: (...args: A) => Promise<void>; busy: boolean; error: string | null; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (...args: A) => {
      setError(null);
      setBusy(true);
      try {
        await action(...args);
      } catch (e) {
        console.warn(e);
        setError(errorText(e));
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, clear: () => setError(null) };
}
