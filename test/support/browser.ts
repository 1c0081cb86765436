/**
 * A real Chromium for the console's end-to-end tests, driven by playwright-core: launching it,
 * skipping (or failing, in CI) when it is absent, keeping screenshots as test artifacts, and
 * checking pages against WCAG 2.1 A/AA with axe.
 */
import { AssertionError } from 'node:assert';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where screenshots land, relative to the project root; ignored by git. */
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts', 'console');

/** The violations axe reports for a page, as `checkAccessibility` returns them. */
export type AxeViolation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

/**
 * Flags that keep Chromium off the network: the test machines have none, and Chromium otherwise
 * stalls on its background connections (updates, sync, field trials, QUIC probes).
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** The WCAG levels the console promises: 2.0 and 2.1, A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Impacts that fail a test; `moderate` and `minor` are returned for the test to judge. */
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

/** The Chromium to drive: `MEDIC_CHROMIUM`, defaulting to Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env.MEDIC_CHROMIUM ?? '/usr/bin/chromium';
}

/** Whether the Chromium executable is there to launch, and if not, why not. */
export function browserAvailable(): { ok: true } | { ok: false; reason: string } {
  const path = chromiumPath();
  try {
    accessSync(path, constants.X_OK);
    return { ok: true };
  } catch {
    return { ok: false, reason: `no Chromium executable at ${path} (set MEDIC_CHROMIUM to its path)` };
  }
}

/**
 * Options for `describe(name, browserSuiteOptions(), fn)`: the suite is skipped, with the reason,
 * when Chromium is absent. With `MEDIC_BROWSER_TESTS=required` (as CI sets it) a missing browser
 * throws instead, so the test file fails loudly rather than passing with nothing run.
 */
export function browserSuiteOptions(): { skip: string | false } {
  const available = browserAvailable();
  if (available.ok) return { skip: false };
  if (process.env.MEDIC_BROWSER_TESTS === 'required') {
    throw new Error(`browser tests are required (MEDIC_BROWSER_TESTS=required) but there is ${available.reason}`);
  }
  return { skip: available.reason };
}

/** Launches a headless Chromium; the caller closes it (`browser.close()`) in its `after` hook. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}

/**
 * Saves a full-page PNG of `page` as `test-artifacts/console/<name>.png` and returns its path,
 * so a failing run leaves something to look at.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  // The name becomes a file name: no separators, so nothing is written outside the folder.
  if (!/^[\w][\w.-]*$/.test(name)) throw new Error(`screenshot name must be a plain file name, got ${JSON.stringify(name)}`);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, type: 'png' });
  return path;
}

/**
 * Runs axe (WCAG 2.0/2.1 A and AA) on the page as it is now and returns every violation.
 * Throws an `AssertionError` naming each `serious` or `critical` one: its rule, impact, help
 * text and first few target selectors. The page must belong to a context from
 * `browser.newContext()`: axe finishes its run in a second page of that context, which a page
 * from `browser.newPage()` cannot open.
 */
export async function checkAccessibility(page: Page, pageName: string): Promise<AxeViolation[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const blocking = violations.filter((v) => BLOCKING_IMPACTS.has(v.impact ?? ''));
  if (blocking.length > 0) {
    const lines = blocking.map((v) => `- ${v.id} (${v.impact}): ${v.help} at ${describeTargets(v)}`);
    throw new AssertionError({
      message: `${pageName} has ${blocking.length} serious or critical accessibility violation(s):\n${lines.join('\n')}`,
      actual: blocking.map((v) => v.id),
      expected: [],
      operator: 'checkAccessibility',
    });
  }
  return violations;
}

function describeTargets(violation: AxeViolation): string {
  const shown = 3;
  // A target is a selector per frame; a shadow-DOM step within a frame is itself a list.
  const targets = violation.nodes
    .slice(0, shown)
    .map((node) => node.target.map((step) => (typeof step === 'string' ? step : step.join(' >>> '))).join(' | '));
  const more = violation.nodes.length > shown ? ` and ${violation.nodes.length - shown} more` : '';
  return `${targets.join(', ')}${more}`;
}
