// The bytes of pf 1.0.x layers (spec section 7), built from the spec's rules and not from the code under test: a
// chained effects ledger (HMAC over the previous entry's hash and this one's), env.v1 with sorted keys, the procs
// shapes, a JSON Lines trace, a model diff. Values are invented; shapes are pf's.
import { createHash, createHmac } from 'node:crypto';

export interface LedgerEntry {
  /** The time as pf hashes it (canonical RFC 3339, UTC, `Z`). */
  ts: string;
  tool_id: string;
  args_hash: string;
  idempotency_key: string;
  result_hash: string;
  side_effect_class: 'pure' | 'idempotent' | 'irreversible' | 'network-only';
}

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A plausible entry: the tool, a time on 2026-11-20, hashes of made-up arguments and results. */
export function entry(i: number, tool: string, cls: LedgerEntry['side_effect_class'] = 'pure'): LedgerEntry {
  return {
    ts: `2026-11-20T09:${String(10 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(123456 + i).padStart(6, '0')}Z`,
    tool_id: tool,
    args_hash: sha(`args ${i}`),
    idempotency_key: `idem-${i}`,
    result_hash: sha(`result ${i}`),
    side_effect_class: cls,
  };
}

export interface LedgerOptions {
  secretHex: string;
  /** Write the secret into the header (pf's CLI since 1.0.7); false: operator-secret mode. */
  embed?: boolean;
  /** What the header's `entries` says (default: the number of entries). */
  headerEntries?: number;
  /** Each line's `ts` as written, when it differs from the canonical form that is hashed. */
  writtenTs?: (canonical: string, i: number) => string;
  /** Change an entry after signing: index and the change. */
  tamper?: { at: number; change: (e: Record<string, unknown>) => void };
}

/** The signed lines: hash of each entry with an empty `session_hmac`, HMAC over the previous hash and this one. */
export function ledgerText(entries: LedgerEntry[], opts: LedgerOptions): string {
  const header: Record<string, unknown> = { kind: 'effects.ledger.v1', entries: opts.headerEntries ?? entries.length };
  if (opts.embed !== false) {
    header.session_secret_hex = opts.secretHex;
    header.verification_mode = 'tamper-detection';
  }
  const key = Buffer.from(opts.secretHex, 'hex');
  let prev = '';
  const lines = [JSON.stringify(header)];
  entries.forEach((e, i) => {
    const unsigned = JSON.stringify({ ...e, session_hmac: '' });
    const self = createHash('sha256').update(unsigned).digest('hex');
    const signed: Record<string, unknown> = {
      ...e,
      ts: opts.writtenTs ? opts.writtenTs(e.ts, i) : e.ts,
      session_hmac: createHmac('sha256', key)
        .update(prev + self)
        .digest('hex'),
    };
    prev = self;
    if (opts.tamper?.at === i) {
      opts.tamper.change(signed);
    }
    lines.push(JSON.stringify(signed));
  });
  return `${lines.join('\n')}\n`;
}

/** env.v1 with keys sorted, as pf writes it. */
export function envText(vars: Record<string, string>, cwd = '/home/dev/project'): string {
  const sorted = Object.fromEntries(Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify({ kind: 'env.v1', cwd, vars: sorted });
}

export function traceText(messages: Array<{ role: string; content: unknown; [extra: string]: unknown }>): string {
  return messages.map((m) => `${JSON.stringify(m)}\n`).join('');
}

export const PROCS_UNSUPPORTED = JSON.stringify({
  kind: 'procs.unsupported.v1',
  unsupported_on: 'linux-x86_64 (no CRIU)',
  note: 'process state not captured; pass --procs criu to capture it',
});

export function respawnText(env: string[]): string {
  return JSON.stringify({
    kind: 'procs.respawn.v1',
    schema: 1,
    pid: 4242,
    parent_pid: 4200,
    exe: '/usr/bin/python3',
    argv: ['python3', 'agent.py', '--task', 'refactor'],
    cwd: '/home/dev/project',
    env,
    fd_paths: ['/dev/null', '/home/dev/project/agent.log'],
    captured_on: 'linux',
    captured_arch: 'x86_64',
    captured_at: '2026-11-20T09:14:03.512204Z',
    note: 'respawn: the process is started again with this argv, cwd and env',
  });
}

export const LORA_EMPTY = JSON.stringify({
  layout: 'model.diff.v1',
  diff: { kind: 'lora', adapters: [], note: 'generic-cli-empty: the CLI captures no weights' },
});
