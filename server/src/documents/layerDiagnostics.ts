// Diagnostics from what a manifest's layers hold, at the digest that names them: an effects ledger whose chain is
// bad (in pf verify's words, with the first bad entry and its tool), one that cannot be checked without the
// operator's secret, and secrets in clear in the env and procs layers (the variable, never its value). Layer
// blobs are immutable by digest, so each answer is kept per digest (and per secret given).
import type { Diagnostic } from 'vscode-languageserver';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { formatDigest } from '../../../shared/blobs/digest';
import { needsOperatorSecret, type EnvSummary, type ProcsSummary } from '../../../shared/snapshots/snapshotView';
import { terminalLine } from '../../../shared/common/terminalText';
import type { StoreHost } from '../host/storeHost';
import { isUnreadable, readJsonLayer, readLedger } from '../store/layers/readLayers';

const SOURCE = 'processfork';
/** Answers kept at most (a few hundred bytes each). */
const MAX_KEPT = 2000;

type Found = Array<Omit<Diagnostic, 'range'>>;
const NO_FINDINGS: Promise<Found> = Promise.resolve([]);

export class LayerDiagnostics {
  private readonly kept = new Map<string, Promise<Found>>();

  constructor(private readonly host: StoreHost) {}

  /** What to say about the layer `field` whose blob is `hex` (present and not known to be corrupt). */
  about(field: string | undefined, hex: string): Promise<Found> {
    if (field !== 'effects.ledger' && field !== 'world.env' && field !== 'world.procs') {
      // Nothing to say of other fields, and a manifest naming 200,000 parents must not fill (and flush) the cache.
      return NO_FINDINGS;
    }
    const secret = this.host.sessionSecretHex;
    const key = `${this.host.open.root}\0${field}\0${hex}\0${field === 'effects.ledger' && secret ? secret : ''}`;
    let found = this.kept.get(key);
    if (!found) {
      if (this.kept.size >= MAX_KEPT) {
        this.kept.clear();
      }
      found = this.compute(field, hex, secret).catch(() => []);
      this.kept.set(key, found);
    }
    return found;
  }

  private async compute(field: string | undefined, hex: string, secret: string | undefined): Promise<Found> {
    const { store } = this.host.open;
    if (field === 'effects.ledger') {
      const r = await readLedger(store, hex, { operatorSecretHex: secret });
      if (isUnreadable(r) || r.kind !== 'effects.ledger.v1') {
        return [];
      }
      if (r.verdict === 'bad') {
        const at = r.entry === undefined ? '' : ` at entry ${r.entry}${r.tool ? ` (${terminalLine(r.tool)})` : ''}`;
        return [
          {
            severity: DiagnosticSeverity.Error,
            source: SOURCE,
            code: 'ledger-bad',
            message: `The tool-call record (effects ledger) is not intact${at}: ${terminalLine(r.reason)}. pf verify: effects ledger bad.`,
            data: { digest: formatDigest(hex), entry: r.entry ?? null },
          },
        ];
      }
      if (r.verdict === 'skipped' && needsOperatorSecret(r.reason)) {
        return [
          {
            severity: DiagnosticSeverity.Information,
            source: SOURCE,
            code: 'ledger-unverifiable',
            message: `The tool-call record cannot be checked: it was ${r.reason}. Set the operator session secret to check it.`,
            data: { digest: formatDigest(hex) },
          },
        ];
      }
      return [];
    }
    if (field === 'world.env' || field === 'world.procs') {
      const summary = await readJsonLayer<EnvSummary | ProcsSummary>(
        store,
        hex,
        field === 'world.env' ? 'env' : 'procs',
      );
      if (isUnreadable(summary) || !('secrets' in summary)) {
        return [];
      }
      return summary.secrets.map((s) => ({
        severity: DiagnosticSeverity.Warning,
        source: SOURCE,
        code: 'secret-in-clear',
        message: `Secret in clear in ${field}: ${terminalLine(s.name)} (${s.why}). Its value is not shown.`,
        data: { digest: formatDigest(hex), variable: s.name },
      }));
    }
    return [];
  }
}
