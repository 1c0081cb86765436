/** Load for the faults: batches of events with ids of their own, sent until told to stop, each remembered as acknowledged or not. */

export interface Batch {
  id: string;
  events: Record<string, unknown>[];
}

/** What became of a batch; a refusal keeps the error Medic gave. */
export type Sent = { batch: Batch; outcome: 'acknowledged' | 'unacknowledged'; status: number | null; error?: { code: string; message: string } };

/** `count` events of a run each, in `namespace`; every tenth a failure, so analysis runs beside ingest. */
export function batchOf(namespace: string, id: string, count: number): Batch {
  const at = new Date().toISOString();
  return {
    id,
    events: Array.from({ length: count }, (_, i) => ({
      job: { namespace, name: `job_${i % 10}` }, run: { id: `${id}-${i}`, key: `${id}-${i}`, attempt: 1 },
      type: i % 10 === 0 ? 'failed' : 'completed', time: at,
      ...(i % 10 === 0 ? { error: { message: `psycopg2.OperationalError: could not connect to server at 10.0.${i % 7}.4:5432` } } : {}),
    })),
  };
}

/** POSTs one batch; acknowledged only on a 2xx whose items were all accepted or duplicates. */
export async function send(url: string, batch: Batch, timeoutMs = 60_000): Promise<Sent> {
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'generic', events: batch.events }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.json().catch(() => undefined) as { items?: { status: string }[]; error?: { code: string; message: string } } | undefined;
    const ok = res.ok && body?.items?.length === batch.events.length && body.items.every((i) => i.status === 'accepted' || i.status === 'duplicate');
    return { batch, outcome: ok ? 'acknowledged' : 'unacknowledged', status: res.status, ...(body?.error ? { error: body.error } : {}) };
  } catch {
    // A reset connection or no answer: the sender does not know whether it was stored, so it must be safe to send again.
    return { batch, outcome: 'unacknowledged', status: null };
  }
}

/** `senders` loops sending fresh batches until `stop()` says so; resolves with every batch and its outcome. */
export async function sendUntil(url: string, o: { namespace: string; senders: number; size: number; stop: (acknowledged: number) => boolean }): Promise<Sent[]> {
  const sent: Sent[] = [];
  let acknowledged = 0;
  let seq = 0;
  await Promise.all(Array.from({ length: o.senders }, async (_, s) => {
    while (!o.stop(acknowledged)) {
      const r = await send(url, batchOf(o.namespace, `b${s}-${seq++}`, o.size), 30_000);
      sent.push(r);
      if (r.outcome === 'acknowledged') acknowledged++;
      // The server is gone: this sender's next batch would only fail the same way.
      if (r.status === null) return;
    }
  }));
  return sent;
}
