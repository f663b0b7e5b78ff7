type EventMap<Events> = { [Event in keyof Events]: (...args: never[]) => void };

/**
 * A minimal typed event emitter that runs in Node and in browsers alike.
 * A listener that throws does not stop the other listeners nor the emitter's caller: its error
 * is rethrown on its own, as an uncaught error the app's usual reporting sees.
 */
export class TypedEventEmitter<Events extends EventMap<Events>> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /**
   * Calls `listener` on every `event`; returns the function that removes it again.
   * @example
   * const stop = client.on('message', (message) => render(message));
   * stop();
   */
  on<Event extends keyof Events>(event: Event, listener: Events[Event]): () => void {
    let listeners = this.listeners.get(event);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(event, listeners);
    }
    listeners.add(listener);
    return () => this.off(event, listener);
  }

  off<Event extends keyof Events>(event: Event, listener: Events[Event]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Whether anyone listens: an event that is costly to build can be skipped. */
  protected hasListeners(event: keyof Events): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  protected emit<Event extends keyof Events>(
    event: Event,
    ...args: Parameters<Events[Event]>
  ): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (...listenerArgs: Parameters<Events[Event]>) => void)(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
