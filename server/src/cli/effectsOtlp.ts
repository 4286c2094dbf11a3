// The effects timeline as OTLP/JSON (an ExportTraceServiceRequest), for an OpenTelemetry collector, Jaeger or a
// GenAI trace viewer: one `invoke_agent` span per snapshot (under its first parent's, so forks nest), and under
// the snapshot that first recorded it one `execute_tool` span per call, with the GenAI semantic-convention
// attributes and the store's own. Spans are made by OpenTelemetry's SDK and written by its own serializer; ids
// come from the digests and keys, so the same lineage exports the same bytes.
import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type IdGenerator,
} from '@opentelemetry/sdk-trace-base';
import { formatDigest } from '../../../shared/blobs/digest';
import type { EffectsTimeline } from '../store/analysis/effectsTimeline';

export interface SnapshotFacts {
  name: string | null;
  createdAt?: string;
  parents: string[];
}

/** The first `hexDigits` of SHA-256 over a label: a valid, non-zero trace or span id from stored names. */
function idOf(label: string, hexDigits: 32 | 16): string {
  const hex = createHash('sha256').update(label).digest('hex').slice(0, hexDigits);
  return /^0+$/.test(hex) ? `1${hex.slice(1)}` : hex; // an all-zero id is invalid in OTLP
}

/** An RFC 3339 time as OpenTelemetry's [seconds, nanoseconds], its fraction kept to the nanosecond. */
export function hrTimeOf(text: string | undefined): HrTime | undefined {
  const m = text && /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) {
    return undefined;
  }
  const seconds = Date.parse(`${m[1]}${m[3]}`) / 1000;
  return Number.isFinite(seconds) ? [seconds, Number((m[2] ?? '').padEnd(9, '0'))] : undefined;
}

const later = (a: HrTime, b: HrTime) => (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]) ? a : b);

/** The timeline's OTLP/JSON bytes. */
export async function effectsOtlp(
  timeline: EffectsTimeline,
  rootHex: string,
  snapshots: Map<string, SnapshotFacts>,
): Promise<Uint8Array> {
  const traceId = idOf(`processfork effects ${rootHex}`, 32);
  let nextSpanId = '';
  const ids: IdGenerator = { generateTraceId: () => traceId, generateSpanId: () => nextSpanId };
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    idGenerator: ids,
    resource: resourceFromAttributes({ 'service.name': 'pfstore', 'processfork.lineage': formatDigest(rootHex) }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('pfstore effects');
  const epoch: HrTime = [0, 0];

  // Each snapshot's calls, to open its span no later than its first call.
  const firstCalls = new Map<string, EffectsTimeline['calls']>();
  for (const c of timeline.calls) {
    const list = firstCalls.get(c.first) ?? [];
    list.push(c);
    firstCalls.set(c.first, list);
  }
  const inLineage = new Set(timeline.lineage);
  const spans = new Map<string, ReturnType<typeof tracer.startSpan>>();
  for (const hex of timeline.lineage) {
    const facts = snapshots.get(hex);
    const created = hrTimeOf(facts?.createdAt) ?? epoch;
    const calls = firstCalls.get(hex) ?? [];
    const start = calls.map((c) => hrTimeOf(c.ts)).find((t): t is HrTime => t !== undefined) ?? created;
    const parent = hex === rootHex ? undefined : facts?.parents.find((p) => inLineage.has(p) && spans.has(p));
    nextSpanId = idOf(`snapshot ${hex}`, 16);
    const span = tracer.startSpan(
      `invoke_agent ${facts?.name ?? formatDigest(hex)}`,
      {
        startTime: start,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': facts?.name ?? formatDigest(hex),
          'processfork.image': formatDigest(hex),
          'processfork.parents': (facts?.parents ?? []).map(formatDigest),
        },
      },
      parent ? trace.setSpan(ROOT_CONTEXT, spans.get(parent)!) : ROOT_CONTEXT,
    );
    spans.set(hex, span);
    const context = trace.setSpan(ROOT_CONTEXT, span);
    for (const c of calls) {
      const at = hrTimeOf(c.ts) ?? start;
      nextSpanId = idOf(`call ${c.key}`, 16);
      const call = tracer.startSpan(
        `execute_tool ${c.tool ?? 'unknown'}`,
        {
          startTime: at,
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': c.tool ?? 'unknown',
            'gen_ai.tool.call.id': c.key,
            'processfork.side_effect_class': c.sideEffectClass ?? 'unknown',
            'processfork.image': formatDigest(c.first),
            'processfork.merges': c.merges.map(formatDigest),
            'processfork.held_by': c.heldBy,
            'processfork.record': c.chain,
            'processfork.replayed': c.replayed,
          },
        },
        context,
      );
      if (c.chain === 'bad') {
        call.setStatus({ code: SpanStatusCode.ERROR, message: 'read only from a record that is not intact' });
      }
      call.end(at);
    }
    span.end(later(created, start));
  }
  await provider.forceFlush();
  const bytes = JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans());
  await provider.shutdown();
  if (!bytes) {
    throw new Error('the OTLP serializer produced nothing');
  }
  return bytes;
}
