/**
 * Who votes. Through the API a voter is its token's name (and the token must hold `approve`);
 * on a loopback server without tokens the caller is trusted to say who it is (`as`). The CLI
 * votes as `--as`, `MEDIC_USER` or the OS user. Either way the name must be a configured approver,
 * which the rules check.
 */
import { userInfo } from 'node:os';
import { AppError } from '../errors.ts';
import type { Principal } from '../http/auth.ts';
import type { Refusal } from './rules.ts';
import type { Via } from './schema.ts';
import type { Voter } from './vote.ts';

export function apiVoter(principal: Principal, as: string | undefined, via: Via = 'api'): Voter {
  if (principal.kind === 'token') {
    if (as !== undefined && as !== principal.name) throw new AppError('forbidden', `token "${principal.name}" votes as itself, not as "${as}"`);
    return { name: principal.name, via };
  }
  if (as === undefined) throw new AppError('bad_request', 'say who votes: "as" (this server has no tokens, so it trusts its local callers)', { details: [{ path: ['body', 'as'], message: 'required on a server without tokens' }] });
  return { name: as, via };
}

/** The CLI's voter: `--as`, else `MEDIC_USER`, else the OS user. */
export function cliVoter(as: string | undefined, configured: string | undefined): Voter {
  return { name: as ?? configured ?? userInfo().username, via: 'cli' };
}

/** The error a refused vote or modification is answered with; its code becomes the HTTP status in one place. */
export function refusalError(r: Refusal): AppError {
  switch (r.code) {
    case 'closed':
    case 'expired':
    case 'stale':
    case 'already_voted':
      return new AppError('conflict', r.reason);
    case 'not_an_approver':
    case 'not_in_group':
    case 'separation_of_duties':
      return new AppError('forbidden', r.reason);
    case 'out_of_bounds':
      return new AppError('bad_request', r.reason);
    default: {
      const never: never = r.code;
      return never;
    }
  }
}
