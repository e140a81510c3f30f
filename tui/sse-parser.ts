export type SseEvent = { id: string | null; event: string; data: string };

/**
 * Incremental parser for a text/event-stream body (the WHATWG "event stream interpretation"): feed it decoded
 * chunks as they arrive, in any split, and it returns the events completed by each chunk. Comments (": ping")
 * are skipped; `lastEventId` persists across events as the spec requires, for resuming with Last-Event-ID.
 */
export class SseParser {
  lastEventId: string | null = null;
  private pending = '';
  private eventType = '';
  private dataLines: string[] = [];
  // A chunk ending in "\r" may be the first half of "\r\n"; remember to drop a leading "\n" next time.
  private skipLeadingNewline = false;

  push(chunk: string): SseEvent[] {
    if (this.skipLeadingNewline && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.skipLeadingNewline = false;
    const text = this.pending + chunk;
    const events: SseEvent[] = [];
    let lineStart = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      this.processLine(text.slice(lineStart, i), events);
      if (ch === 13) {
        if (i + 1 === text.length) this.skipLeadingNewline = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      lineStart = i + 1;
    }
    this.pending = text.slice(lineStart);
    return events;
  }

  private processLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.dataLines.length > 0) {
        events.push({ id: this.lastEventId, event: this.eventType || 'message', data: this.dataLines.join('\n') });
      }
      this.dataLines = [];
      this.eventType = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      // "retry" is ignored: the reconnect delay is fixed so the message on screen can say how long.
    }
  }
}
