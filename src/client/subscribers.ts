/**
 * The subscribers of one kind of event of the client kit: each is called in turn, and one that throws
 * is its own bug, so it does not cost the ones after it their call. Its error is reported the way a
 * browser reports a throwing DOM event listener (reportError: the console and the window's 'error'
 * event); where there is no reportError (Node 20), there is no console to use from src/ either, and it
 * is dropped.
 *
 * @example
 * ```ts
 * const statuses = new Subscribers<ConnectionStatus>();
 * const off = statuses.add((status) => render(status));
 * statuses.emit('connected');
 * off();
 * ```
 */
export class Subscribers<T> {
  readonly #listeners = new Set<(value: T) => void>();

  /** Adds `listener`; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (error) {
        if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
