/**
 * Cuts a server-sent event stream into whole events, so the router forwards only complete events
 * (a node dying mid-event leaves no half event before the router's error event) and can rewrite
 * each one.
 */
export class SseEvents {
  #decoder = new TextDecoder();
  #pending = "";

  /** The complete events in `chunk` and before it, each with its blank-line terminator. */
  push(chunk: Uint8Array): string[] {
    this.#pending += this.#decoder.decode(chunk, { stream: true });
    const events: string[] = [];
    for (;;) {
      const match = /\r\n\r\n|\n\n|\r\r/.exec(this.#pending);
      if (!match) break;
      const end = match.index + match[0].length;
      events.push(this.#pending.slice(0, end));
      this.#pending = this.#pending.slice(end);
    }
    return events;
  }

  /** Whatever is left after the stream ended: an event the node never finished. */
  get unfinished(): string {
    return this.#pending + this.#decoder.decode();
  }
}

/** An event's `data:` JSON with `model` renamed from the backend's adapter name to the client's. */
export function renameModelInEvent(event: string, from: string, to: string): string {
  return event.replace(/^data: ?(\{.*\})[ \t]*$/m, (line, json: string) => {
    try {
      const parsed = JSON.parse(json) as { model?: unknown };
      if (parsed.model !== from) return line;
      return `data: ${JSON.stringify({ ...parsed, model: to })}`;
    } catch {
      return line;
    }
  });
}
