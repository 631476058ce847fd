/** Retries `attempt` until it stops throwing: the window, its language servers and file watchers answer in their own time. */
export async function eventually<T>(what: string, attempt: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error: unknown) {
      if (Date.now() > deadline) throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
