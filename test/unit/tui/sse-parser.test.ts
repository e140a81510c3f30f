import { describe, expect, test } from 'bun:test';
import { SseParser } from '../../../tui/sse-parser.ts';

describe('SseParser', () => {
  test('parses id, event and data, and skips comments', () => {
    const parser = new SseParser();
    const events = parser.push(': ping\n\nid: 7\nevent: change\ndata: {"a":1}\n\n');
    expect(events).toEqual([{ id: '7', event: 'change', data: '{"a":1}' }]);
    expect(parser.lastEventId).toBe('7');
  });

  test('assembles events split at any byte across chunks', () => {
    const stream = 'id: 1\nevent: change\ndata: one\n\nid: 2\nevent: change\ndata: two\n\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      expect(events.map((e) => e.data)).toEqual(['one', 'two']);
    }
  });

  test('accepts CRLF and CR line endings, including CRLF split between chunks', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ id: null, event: 'message', data: 'a' }]);
    expect(parser.push('data: b\r\rdata: c\r\n\r\n').map((e) => e.data)).toEqual(['b', 'c']);
  });

  test('joins multi-line data with newlines and strips only one leading space', () => {
    const parser = new SseParser();
    expect(parser.push('data:first\ndata:  second\n\n')[0].data).toBe('first\n second');
  });

  test('keeps the last event id across events and ignores ids containing NUL', () => {
    const parser = new SseParser();
    parser.push('id: 5\ndata: x\n\n');
    const [event] = parser.push('id: bad\0id\ndata: y\n\n');
    expect(event.id).toBe('5');
    expect(parser.lastEventId).toBe('5');
  });

  test('an event without data is not dispatched', () => {
    const parser = new SseParser();
    expect(parser.push('event: change\n\n')).toEqual([]);
    expect(parser.push('data: z\n\n')[0].event).toBe('message');
  });
});
