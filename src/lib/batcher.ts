/**
 * Group commit: items submitted while a batch is being written wait and go
 * together in the next one. One batch is in flight at a time, so under load a
 * batch holds everything that arrived during the previous one; with no load the
 * first item is written at once (no timer, no added latency).
 *
 * `run` gets the items in arrival order and answers one result per item, in
 * the same order; if it throws, every item of that batch rejects with the error
 * (the next batch is unaffected). With `enabled: false` every item is a batch
 * of one, run at once (Workers, where the app is built per request).
 */
export class Batcher<I, O> {
  private queue: Array<{ item: I; resolve: (out: O) => void; reject: (err: unknown) => void }> = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: { enabled: boolean; maxBatch: number; name: string },
  ) {}

  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error(`${this.options.name} is closed`));
    if (!this.options.enabled) return this.run([item]).then((out) => out[0] as O);
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Waits for everything queued to be written, then refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, Math.max(1, this.options.maxBatch));
      try {
        const out = await this.run(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => entry.resolve(out[i] as O));
      } catch (err) {
        for (const entry of batch) entry.reject(err);
      }
    }
  }
}
