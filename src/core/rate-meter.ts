/** Events per second over a sliding window, fed as events happen (not sampled by whoever asks). */
export class RateMeter {
  private readonly marks: { at: number; n: number }[] = [];
  private inWindow = 0;

  constructor(private readonly windowMs = 10_000) {}

  add(n: number, now = Date.now()): void {
    this.marks.push({ at: now, n });
    this.inWindow += n;
    this.trim(now);
  }

  perSecond(now = Date.now()): number {
    this.trim(now);
    return Math.round((this.inWindow / (this.windowMs / 1000)) * 10) / 10;
  }

  private trim(now: number) {
    while (this.marks.length > 0 && now - this.marks[0]!.at > this.windowMs) this.inWindow -= this.marks.shift()!.n;
  }
}
