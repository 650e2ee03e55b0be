/** Everything a bench started, stopped in reverse order at the end, on failure and on Ctrl-C. */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  private running?: Promise<void>;

  /** Runs all() on SIGINT, SIGTERM and SIGHUP, saying it stops `what`, then exits 130. */
  stopOnSignals(what: string): this {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        console.error(`${signal}: stopping ${what}`);
        void this.all().finally(() => process.exit(130));
      });
    }
    return this;
  }

  /** Registers `run`; the returned function runs it now (once) and unregisters it. */
  add(what: string, run: () => Promise<void>): () => Promise<void> {
    const entry = { what, run };
    this.steps.push(entry);
    return async () => {
      const index = this.steps.indexOf(entry);
      if (index >= 0) {
        this.steps.splice(index, 1);
        await run();
      }
    };
  }

  all(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const entry = this.steps.pop()!;
        await entry.run().catch((error: Error) => console.error(`cleanup (${entry.what}): ${error.message}`));
      }
    })();
    return this.running;
  }
}
