// Listeners of every event share one table; `on`/`once` type them per event.
type Listener = (...args: any[]) => void;

/**
 * A minimal typed event emitter with `node:events` semantics for what the
 * socket needs (on/off/once/emit, listeners run in registration order over a
 * snapshot, a throwing listener's error propagates out of `emit`), so the core
 * runs in browsers without a polyfill.
 * @internal
 */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Array<{ fn: Listener; once: boolean }>>();

  on<E extends keyof Events>(event: E, fn: (...args: Events[E]) => void): void {
    this.add(event, fn, false);
  }

  once<E extends keyof Events>(event: E, fn: (...args: Events[E]) => void): void {
    this.add(event, fn, true);
  }

  /** Removes the most recently added registration of `fn` (as `removeListener` does). */
  off<E extends keyof Events>(event: E, fn: (...args: Events[E]) => void): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.fn === fn) {
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) this.listeners.delete(event);
  }

  /** Calls the listeners of `event`; true if there were any. */
  emit<E extends keyof Events>(event: E, ...args: Events[E]): boolean {
    const list = this.listeners.get(event);
    if (!list) return false;
    for (const l of [...list]) {
      if (l.once) this.drop(event, l);
      l.fn(...args);
    }
    return true;
  }

  private drop(event: keyof Events, entry: { fn: Listener; once: boolean }): void {
    const list = this.listeners.get(event);
    const i = list ? list.indexOf(entry) : -1;
    if (i < 0) return;
    list!.splice(i, 1);
    if (list!.length === 0) this.listeners.delete(event);
  }

  private add<E extends keyof Events>(event: E, fn: (...args: Events[E]) => void, once: boolean): void {
    if (typeof fn !== "function") throw new TypeError("listener must be a function");
    let list = this.listeners.get(event);
    if (!list) this.listeners.set(event, (list = []));
    list.push({ fn, once });
  }
}
