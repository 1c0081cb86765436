/**
 * A working Medic for a suite: a test database, its dependencies with the queue's workers running
 * every handler, and the app over them, built before the suite's tests and released after them.
 */
import type { FastifyInstance } from 'fastify';
import { after, before } from 'node:test';
import type { Deps } from '../../src/deps.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { buildApp } from '../../src/http/app.ts';
import { testDeps, type TestDepsOptions } from './deps.ts';
import type { TestDatabase, TestStore } from './stores.ts';

/** What a suite brings to its working app. */
export interface WorldSetup {
  /** The suite's config, policies, clock and the like, for `testDeps`. @defaultValue its defaults */
  readonly deps?: TestDepsOptions;
  /** Releases what the suite started for the app (fakes, a folder); called after the app and its queue close, before the database. */
  readonly close?: () => Promise<unknown>;
}

/** The working app of a suite; each part is there once the suite's `before` hooks run. */
export interface World {
  readonly db: TestDatabase;
  readonly deps: Deps;
  readonly app: FastifyInstance;
}

/**
 * Opens `store`, calls `make` for the suite's own parts (its fakes, config and policies), builds
 * the dependencies, starts the queue's workers and builds the app, in a `before` hook of the
 * enclosing `describe`; an `after` hook releases them in reverse order. A suite's own `before`
 * hooks, registered after this call, run once the app is built.
 */
export function workingAppForSuite(store: Pick<TestStore, 'open'>, make: (db: TestDatabase) => Promise<WorldSetup>): World {
  let db: TestDatabase | undefined;
  let deps: Deps | undefined;
  let app: FastifyInstance | undefined;
  let setup: WorldSetup | undefined;
  const built = <T>(part: T | undefined): T => {
    if (part === undefined) throw new Error('the working app is built only inside the suite\'s hooks and tests');
    return part;
  };
  before(async () => {
    db = await store.open();
    setup = await make(db);
    deps = testDeps(db, setup.deps);
    deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
    app = await buildApp(deps);
  });
  // Whatever `before` got to is released, so a failed set-up leaves no server or pool open.
  after(async () => {
    await app?.close();
    await deps?.queue.close();
    await deps?.decisionLog.close();
    await setup?.close?.();
    await db?.close();
  });
  return {
    get db() { return built(db); },
    get deps() { return built(deps); },
    get app() { return built(app); },
  };
}
