/** The figures benchmarks read from a `/usr/bin/time -v -o FILE` report: wall and CPU seconds (user + sys), peak RSS in MB. */
export function timeReport(text: string): { wall: number; cpu: number; rssMb: number } {
  const figure = (label: string) =>
    Number(
      new RegExp(`${label}: ([\\d.:]+)`)
        .exec(text)?.[1]
        ?.split(':')
        .reduce((a, p) => a * 60 + Number(p), 0),
    );
  return {
    wall: figure('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)'),
    cpu: figure('User time \\(seconds\\)') + figure('System time \\(seconds\\)'),
    rssMb: figure('Maximum resident set size \\(kbytes\\)') / 1024,
  };
}
