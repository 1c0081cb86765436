/**
 * Who holds a source's lease: `host:pid:nonce`. A holder on this host whose process is gone (a
 * `medic sync` killed with SIGKILL) is known dead, so a rerun resumes at once instead of waiting
 * for the lease to lapse; holders on other hosts are waited out.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function processOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function isDeadLocalOwner(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    // EPERM: the process exists under another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
