/** Polls `frame()` until it satisfies `ok`, failing with the last frame seen so a failure shows the screen. */
export async function waitForFrame(frame: () => string | undefined, ok: (text: string) => boolean, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = frame() ?? '';
    if (ok(text)) return text;
    if (Date.now() > deadline) throw new Error(`screen never matched; last frame:\n${text}`);
    await Bun.sleep(20);
  }
}
