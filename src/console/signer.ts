import { Signer } from '@fastify/cookie';
import type { Queryable } from '../db/pool.ts';
import { sharedKey } from './sql.ts';

/** Signs and checks cookies with a key every replica shares, read from the store on first use. */
export interface LazySigner {
  sign(value: string): string;
  unsign(value: string): { valid: true; renew: boolean; value: string } | { valid: false; renew: false; value: null };
  /** Reads the key if it is not read yet; every console request waits for it before touching a cookie. */
  ready(): Promise<void>;
}

/**
 * The key is read when the console is first used rather than when the app is built, so a store
 * that is down at start-up makes console requests fail (503) instead of the whole API.
 */
export function lazySigner(db: Queryable, name: string): LazySigner {
  let signer: Signer | undefined;
  let loading: Promise<void> | undefined;
  const current = () => {
    if (!signer) throw new Error('cookie signer used before its key was read');
    return signer;
  };
  return {
    sign: (value) => current().sign(value),
    unsign: (value) => current().unsign(value) as ReturnType<LazySigner['unsign']>,
    ready() {
      if (signer) return Promise.resolve();
      loading ??= sharedKey(db, name).then((key) => {
        signer = new Signer(key);
      }).finally(() => {
        loading = undefined;
      });
      return loading;
    },
  };
}
