import { describe, expect, test } from 'bun:test';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { ApiError } from '../../../tui/api-client.ts';
import { usePoll } from '../../../tui/use-poll.ts';
import { waitForFrame } from './wait-for.ts';

const timing = { intervalMs: 20, retryMs: 20 };

function Probe({ load, name, enabled }: { load: (key: string) => Promise<string>; name: string; enabled: boolean }) {
  const state = usePoll(() => load(name), timing, name, enabled);
  return <Text>{`data=${state.data ?? '-'} error=${state.error?.message ?? '-'}`}</Text>;
}

describe('usePoll', () => {
  test('polls repeatedly; a failure keeps the last data and says why; the next success clears it', async () => {
    let calls = 0;
    const load = async () => {
      calls++;
      if (calls === 3) throw new ApiError('unreachable', 'cannot reach x');
      return `v${calls}`;
    };
    const screen = render(<Probe load={load} name="a" enabled />);
    await waitForFrame(screen.lastFrame, (f) => f === 'data=v2 error=-');
    await waitForFrame(screen.lastFrame, (f) => f === 'data=v2 error=cannot reach x');
    await waitForFrame(screen.lastFrame, (f) => f === 'data=v4 error=-');
    screen.unmount();
  });

  test('disabling stops polling but keeps the data; a new key drops it', async () => {
    let calls = 0;
    const load = async (key: string) => `${key}${++calls}`;
    const screen = render(<Probe load={load} name="a" enabled />);
    await waitForFrame(screen.lastFrame, (f) => f.startsWith('data=a'));
    screen.rerender(<Probe load={load} name="a" enabled={false} />);
    const frozen = screen.lastFrame();
    const callsWhenDisabled = calls;
    await Bun.sleep(100);
    expect(calls).toBe(callsWhenDisabled);
    expect(screen.lastFrame()).toBe(frozen);
    screen.rerender(<Probe load={async () => new Promise<string>(() => {})} name="b" enabled />);
    expect(screen.lastFrame()).toBe('data=- error=-');
    screen.unmount();
  });
});
