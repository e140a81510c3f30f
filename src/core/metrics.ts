/**
 * A small Prometheus registry: counters and gauges with labels, rendered as the text exposition format.
 * Stages record into it; GET /metrics renders it.
 */
type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

const labelKey = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

export class Metrics {
  private families = new Map<string, Family>();

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (!f) {
      f = { name, help, type, values: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  /** Adds to a counter. */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, help, 'counter');
    const key = labelKey(labels);
    const cur = f.values.get(key);
    if (cur) cur.value += by;
    else f.values.set(key, { labels, value: by });
  }

  /** Sets a counter to a total kept elsewhere (e.g. the stage clock's). */
  setTotal(name: string, help: string, labels: Labels, value: number): void {
    this.family(name, help, 'counter').values.set(labelKey(labels), { labels, value });
  }

  /** Sets a gauge. */
  set(name: string, help: string, labels: Labels, value: number): void {
    this.family(name, help, 'gauge').values.set(labelKey(labels), { labels, value });
  }

  get(name: string, labels: Labels = {}): number {
    return this.families.get(name)?.values.get(labelKey(labels))?.value ?? 0;
  }

  /** Sum over every label set of one family. */
  total(name: string): number {
    let sum = 0;
    for (const v of this.families.get(name)?.values.values() ?? []) sum += v.value;
    return sum;
  }

  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      for (const [key, v] of f.values) out.push(`${f.name}${key ? `{${key}}` : ''} ${v.value}`);
    }
    return out.join('\n') + '\n';
  }
}
