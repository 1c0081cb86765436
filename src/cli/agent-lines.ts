/** One line of an agent step as people read it: the step, who decided, and what came of it. */
export function agentLine(d: Record<string, unknown>): string {
  const s = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  if (s('what')) return `refused ${s('what')}: ${s('reason')}`;
  if (s('requested_by')) return `started by ${s('requested_by')} with ${s('prompt')} on ${s('model')}`;
  const out = (d.outputs ?? {}) as Record<string, unknown>;
  const calls = Array.isArray(d.tool_calls) ? (d.tool_calls as { tool?: string; allowed?: boolean }[]) : [];
  const tools = calls.length ? ` [${calls.map((c) => `${c.tool ?? '?'}${c.allowed === false ? ' ✗' : ''}`).join(', ')}]` : '';
  const summary = Object.entries(out).filter(([, v]) => v !== null && v !== undefined).slice(0, 3)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${s('step')} by ${s('by')}${s('prompt') ? ` (${s('prompt')})` : ''}${tools}${summary ? `: ${summary}` : ''}`;
}
