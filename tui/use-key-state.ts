import { useInput, type Key } from 'ink';
import { useRef, useState } from 'react';
import { useLatest } from './use-latest.ts';

export type KeyReducer<S, C, K extends string> = (state: S, input: string, key: Partial<Key>, context: C) => { state: S; command?: K };

export type KeyState<S> = {
  state: S;
  /** The state after the last key, possibly ahead of `state` until React renders again. */
  readonly current: { current: S };
  readonly setState: (state: S) => void;
};

/** State changed only by keys; pair with useKeys, called once what the keys need to know is computed. */
export function useKeyState<S>(initial: S): KeyState<S> {
  const [state, setState] = useState(initial);
  const current = useRef(initial);
  return { state, current, setState };
}

/**
 * Feeds each key through the pure `reduce`, applied to the state the previous key left, even when several
 * keys arrive before React renders again; `context` is what the latest render showed. `onCommand` runs the
 * reducer's requests for the rest of the app. Keys are ignored unless `isActive`.
 *
 * The listener stays subscribed and reads `isActive` from the latest render: Ink subscribes listeners in a
 * passive effect, so toggling its own isActive option would drop a key pressed right after a view appears.
 */
export function useKeys<S, C, K extends string>(
  keyState: KeyState<S>,
  reduce: KeyReducer<S, C, K>,
  context: C,
  onCommand: (command: K) => void,
  isActive: boolean,
): void {
  const latest = useLatest({ context, onCommand, isActive });
  useInput((input, key) => {
    if (!latest.current.isActive) return;
    const { current, setState } = keyState;
    const { state, command } = reduce(current.current, input, key, latest.current.context);
    if (state !== current.current) {
      current.current = state;
      setState(state);
    }
    if (command !== undefined) latest.current.onCommand(command);
  });
}
