/** Lexing SQL text, as the query guard (src/api) and gold's SELECT parser (src/gold) both need it. */
import { invalidInput } from './errors.ts';

/** The quote characters that open a string (`'`) or a quoted name (`"`, `` ` ``, `[`), and what closes each. */
export const SQL_QUOTES: Readonly<Record<string, string>> = { "'": "'", '"': '"', '`': '`', '[': ']' };

/**
 * The index of the character that closes the quoted string or name opening at `start` (a doubled quote
 * is an escaped one, except in `[...]`); an unclosed one is an invalid-input error naming its position.
 */
export function closingQuote(text: string, start: number): number {
  const open = text[start]!;
  const close = SQL_QUOTES[open]!;
  for (let j = start + 1; ; j++) {
    if (j >= text.length) throw invalidInput(`unterminated ${open === "'" ? 'string' : 'quoted name'} starting at position ${start + 1}`);
    if (text[j] !== close) continue;
    if (close !== ']' && text[j + 1] === close) {
      j++;
      continue;
    }
    return j;
  }
}
