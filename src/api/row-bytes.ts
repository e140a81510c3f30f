/** About the bytes a row's values take: text as is, binary as hex (as the row formats write it), anything else a number's width. */
export function rowBytes(values: Iterable<unknown>): number {
  let n = 0;
  for (const v of values) n += typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.byteLength * 2 : 8;
  return n;
}
