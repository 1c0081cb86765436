/**
 * A fake Control-M Automation API under `/automation-api`: `POST /session/login` (session
 * token, Bearer) or an API token (`x-api-key`); `POST /run/job/{jobId}/rerun|setToOk|hold|free`
 * and `GET /run/job/{jobId}/status`, `GET /run/jobs/status` (controlm-jobs.ts). Errors are
 * `{errors: [{message}]}`.
 */
import { randomBytes } from 'node:crypto';
import { jobsStatus } from './controlm-jobs.ts';
import { matchPath, startFakeServer, type FakeReply, type FakeServer, type RecordedCall } from './server.ts';

export interface FakeJob {
  jobId: string;
  name: string;
  folder: string;
  ctm: string;
  status: string;
  held: boolean;
  numberOfRuns: number;
  startTime: string;
  endTime: string;
  /** The day the job was ordered, YYMMDD. @defaultValue today (UTC) */
  orderDate: string;
  application: string;
  host: string;
}

export interface FakeControlmState {
  jobs: Map<string, FakeJob>;
}

export interface FakeControlmOptions {
  /** The API token accepted in `x-api-key`; none when absent. */
  apiKey?: string;
  /** Session credentials accepted by `/session/login`. @defaultValue emuser / empass */
  username?: string;
  password?: string;
  port?: number;
  /** The most jobs one `/run/jobs/status` answer holds, whatever `limit` asks. @defaultValue 10000 */
  maxLimit?: number;
}

export interface FakeControlm extends FakeServer {
  /** The Automation API root, `<server>/automation-api` (what a connection's `url` names). */
  url: string;
  state: FakeControlmState;
  addJob(job: Partial<FakeJob> & Pick<FakeJob, 'jobId' | 'name'>): FakeJob;
  /** Ends every session, as a server restart or timeout would: the next Bearer call gets a 401. */
  expireSessions(): void;
  /** Plays the agent: a job that was rerun ends in `status`. */
  complete(jobId: string, status?: 'Ended OK' | 'Ended Not OK'): void;
  readonly logins: number;
}

const ROOT = '/automation-api';
const error = (status: number, message: string): FakeReply => ({ status, body: { errors: [{ message }] } });

// "Jul 29, 2019 7:17:33 PM", as Control-M prints times.
export function ctmTime(d: Date): string {
  // ICU puts a comma after the year ("Jul 29, 2019, 7:17:33 PM") where Control-M does not.
  return d.toLocaleString('en-US', { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit', hour12: true, timeZone: 'UTC' })
    .replace(/(\d{4}),/, '$1').replace(/\u202f/g, ' ');
}

/** Starts a fake Control-M on a loopback port. */
export async function createFakeControlm(options: FakeControlmOptions = {}): Promise<FakeControlm> {
  const state: FakeControlmState = { jobs: new Map() };
  const sessions = new Set<string>();
  let logins = 0;

  const login = (c: RecordedCall): FakeReply => {
    const b = (c.body ?? {}) as Record<string, unknown>;
    if (b.username !== (options.username ?? 'emuser') || b.password !== (options.password ?? 'empass')) return error(401, 'Failed to login: wrong user name or password');
    const token = randomBytes(24).toString('hex');
    sessions.add(token);
    logins += 1;
    return { status: 200, body: { username: b.username, token, version: '9.21.200' } };
  };

  const authorized = (c: RecordedCall): boolean => {
    if (options.apiKey !== undefined && c.headers['x-api-key'] === options.apiKey) return true;
    const bearer = c.headers.authorization ?? '';
    return bearer.startsWith('Bearer ') && sessions.has(bearer.slice('Bearer '.length));
  };

  const act = (job: FakeJob, verb: string): FakeReply => {
    switch (verb) {
      case 'rerun':
        Object.assign(job, { status: 'Executing', numberOfRuns: job.numberOfRuns + 1, startTime: ctmTime(new Date()), endTime: '' });
        return { status: 200, body: { ...job, type: 'Command' } };
      case 'setToOk':
        job.status = 'Ended OK';
        return { status: 200, body: { message: `Job ${job.jobId} was set to OK` } };
      case 'hold':
        job.held = true;
        return { status: 200, body: { message: `Job ${job.jobId} was held` } };
      case 'free':
        job.held = false;
        return { status: 200, body: { message: `Job ${job.jobId} was freed` } };
      default:
        return error(404, `no such action ${verb}`);
    }
  };

  const handle = (c: RecordedCall): FakeReply => {
    if (!c.path.startsWith(`${ROOT}/`)) return error(404, `no route for ${c.path}`);
    const path = c.path.slice(ROOT.length);
    if (c.method === 'POST' && path === '/session/login') return login(c);
    if (!authorized(c)) return error(401, 'Authentication failed: the token is invalid or expired');
    if (c.method === 'POST' && path === '/session/logout') {
      sessions.delete((c.headers.authorization ?? '').replace(/^Bearer /, ''));
      return { status: 200, body: { message: 'Successfully logged out from session' } };
    }
    if (c.method === 'GET' && path === '/run/jobs/status') return jobsStatus(state.jobs.values(), c.query, options.maxLimit ?? 10_000);
    const p = matchPath('/run/job/{jobId}/{verb}', path);
    if (!p) return error(404, `no route for ${c.path}`);
    const job = state.jobs.get(p.jobId ?? '');
    if (!job) return error(404, 'Job id not found');
    if (c.method === 'GET' && p.verb === 'status') return { status: 200, body: job };
    if (c.method === 'POST') return act(job, p.verb ?? '');
    return error(405, `method ${c.method} not allowed`);
  };

  const server = await startFakeServer(handle, options.port === undefined ? {} : { port: options.port });
  return {
    ...server,
    url: `${server.url}${ROOT}`,
    state,
    addJob(job) {
      const full: FakeJob = {
        folder: 'Demo', ctm: job.jobId.split(':')[0] ?? 'workbench', status: 'Ended Not OK', held: false, numberOfRuns: 1, startTime: '', endTime: '',
        orderDate: new Date().toISOString().slice(2, 10).replace(/-/g, ''), application: '', host: '', ...job,
      };
      state.jobs.set(full.jobId, full);
      return full;
    },
    expireSessions: () => sessions.clear(),
    complete(jobId, status = 'Ended OK') {
      const job = state.jobs.get(jobId);
      if (job) Object.assign(job, { status, endTime: ctmTime(new Date()) });
    },
    get logins() {
      return logins;
    },
  };
}
