/**
 * Where the machine's CPU went during a phase, in cores: the Medic server, every PostgreSQL
 * process, this load generator, and the rest (other work on the machine, such as tests running at
 * the same time). Read from /proc; on a system without it the meter reports nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface CpuUse {
  machine: number;
  server: number;
  postgres: number;
  loadgen: number;
  other: number;
}

// Linux reports process times in clock ticks of 1/100 s on every common platform.
const TICKS = 100;

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // the process ended
  }
}

function postgresTicks(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') out.set(Number(d), processTicks(Number(d)));
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((s, x) => s + x, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

/** Starts measuring; `stop()` gives the average cores each party used since. */
export function cpuMeter(serverPid: number): { stop(): CpuUse | null } {
  if (!existsSync('/proc/stat')) return { stop: () => null };
  const t0 = performance.now();
  const m0 = machineTicks();
  const s0 = processTicks(serverPid);
  const p0 = postgresTicks();
  const l0 = process.cpuUsage();
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1_000;
      const m1 = machineTicks();
      const cores = (m1.total - m0.total) / TICKS / seconds; // ticks of all CPUs per second
      const machine = ((m1.busy - m0.busy) / (m1.total - m0.total || 1)) * cores;
      const server = (processTicks(serverPid) - s0) / TICKS / seconds;
      let pg = 0;
      for (const [pid, ticks] of postgresTicks()) pg += ticks - (p0.get(pid) ?? 0);
      const postgres = pg / TICKS / seconds;
      const l = process.cpuUsage(l0);
      const loadgen = (l.user + l.system) / 1e6 / seconds;
      return { machine, server, postgres, loadgen, other: Math.max(0, machine - server - postgres - loadgen) };
    },
  };
}
