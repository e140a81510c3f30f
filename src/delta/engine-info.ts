/** How this engine names itself in commitInfo.engineInfo and Parquet `created_by`. */
import pkg from '../../package.json' with { type: 'json' };

export const ENGINE_INFO = `lakehouse/${pkg.version}`;
