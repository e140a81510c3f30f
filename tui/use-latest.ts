import { useRef } from 'react';

/**
 * A ref holding the value from the latest render. Key handlers read through it: Ink re-subscribes them in a
 * passive effect, so a key pressed right after a render could otherwise see the previous render's values.
 */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}
