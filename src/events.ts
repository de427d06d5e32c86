/** A minimal typed event emitter: event name → tuple of listener arguments. */
export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  // Listener types differ per event; `emit` restores each one's type from the event key.
  private readonly listeners = new Map<keyof E, Set<unknown>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof E>(event: K, listener: (...args: E[K]) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Whether anyone listens to `event`: lets hot paths skip building events nobody hears. */
  hasListeners<K extends keyof E>(event: K): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /** Resolves with the arguments of the next `event`. */
  once<K extends keyof E>(event: K): Promise<E[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (...args) => {
        off();
        resolve(args);
      });
    });
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const l of [...set]) (l as (...a: E[K]) => void)(...args);
  }
}
