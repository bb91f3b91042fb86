/**
 * Waiting in tests: poll a real observation (an API read, a connection attempt, a controller's
 * state) until it holds. The one helper every test uses; failures name what was awaited and the
 * last error seen.
 */

/**
 * Resolves with the first truthy value `fn` returns (errors thrown by `fn` count as "not yet");
 * rejects after `timeoutMs` naming `what`.
 */
export async function eventually<T>(fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, what: string, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
