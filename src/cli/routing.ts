/** `--route REGEX=TABLE` values into silver routing rules, validated once. */
import { ErrorCode, LakehouseError } from '../core/errors.ts';
import type { RoutingRule } from '../silver/index.ts';

export function parseRoutes(values: readonly string[] | undefined): RoutingRule[] {
  return (values ?? []).map((text) => {
    const at = text.lastIndexOf('=');
    const bad = (why: string) =>
      new LakehouseError(ErrorCode.config, `--route '${text}': ${why}`, {
        hint: "write --route 'REGEX=TABLE', e.g. --route '^shop\\d+\\.public\\.(orders)$=$1'",
      });
    if (at <= 0 || at === text.length - 1) throw bad('expected REGEX=TABLE');
    try {
      return { pattern: new RegExp(text.slice(0, at)), table: text.slice(at + 1) };
    } catch (err) {
      throw bad(`not a valid regular expression (${(err as Error).message})`);
    }
  });
}
