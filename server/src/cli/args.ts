// A small argument parser: global options anywhere before or after the command, `--` ends options, and every
// unknown flag is an error (a typo must never be taken as a file name).
import { CliError } from './exitCodes';
import { quoteShort } from '../../../shared/common/format';

export interface FlagSpec {
  /** Flags that take a value (`--limit 10` or `--limit=10`). */
  values: string[];
  /** Flags that do not. */
  switches: string[];
}

export interface Parsed {
  positional: string[];
  values: Map<string, string>;
  switches: Set<string>;
}

export const GLOBAL_FLAGS: FlagSpec = { values: ['--store'], switches: ['--json', '--help', '-h', '--version'] };

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const parsed: Parsed = { positional: [], values: new Map(), switches: new Set() };
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositional || arg === '-' || !arg.startsWith('-')) {
      parsed.positional.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositional = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.values.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') {
        throw new CliError(`${name} needs a value`);
      }
      parsed.values.set(name, value);
    } else if (spec.switches.includes(name) && eq < 0) {
      parsed.switches.add(name);
    } else {
      throw new CliError(`unknown option ${arg}`);
    }
  }
  return parsed;
}

export function intFlag(parsed: Parsed, name: string, fallback: number, min: number, max: number): number {
  const raw = parsed.values.get(name);
  if (raw === undefined) {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw new CliError(`${name} takes a whole number, got ${quoteShort(raw)}`);
  }
  const n = Number(raw);
  if (n < min || n > max) {
    throw new CliError(`${name} must be between ${min} and ${max}, got ${n}`);
  }
  return n;
}
