/**
 * How Debezium marks a value it does not have (PostgreSQL's unchanged TOASTed columns): its
 * unavailable.value.placeholder, in the form the column's type allows. Text columns get the text,
 * binary ones its UTF-8 bytes (base64 in JSON), a text array the one-element array of the text, an
 * integer array the bytes as numbers (Debezium's UnchangedToastedPlaceholder).
 */
export interface UnavailableForms {
  readonly text: string;
  readonly base64: string;
  readonly textArray: readonly string[];
  readonly byteArray: readonly number[];
}

export function unavailableForms(placeholder: string): UnavailableForms {
  const bytes = Buffer.from(placeholder, 'utf8');
  return { text: placeholder, base64: bytes.toString('base64'), textArray: [placeholder], byteArray: [...bytes] };
}

/** True when `v` is an array with exactly the elements of `form`. */
export function isArrayForm(v: unknown, form: readonly (string | number)[]): boolean {
  if (!Array.isArray(v) || v.length !== form.length) return false;
  for (let i = 0; i < form.length; i++) if (v[i] !== form[i]) return false;
  return true;
}
