import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What git says of the repository a folder is in: its HEAD, that commit's author, and whether the folder has uncommitted changes. */
export interface GitInfo {
  commit: string;
  author: string;
  dirty: boolean;
}

/** Git's view of `dir`; undefined when it is not in a repository or git is not installed. */
export async function gitInfo(dir: string): Promise<GitInfo | undefined> {
  const git = async (...args: string[]) => (await run('git', ['-C', dir, ...args], { timeout: 10_000 })).stdout.trim();
  try {
    const [commit, author, status] = await Promise.all([
      git('rev-parse', 'HEAD'), git('log', '-1', '--format=%an <%ae>'), git('status', '--porcelain', '--', '.'),
    ]);
    return { commit, author, dirty: status !== '' };
  } catch {
    return undefined;
  }
}
