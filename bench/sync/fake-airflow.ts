/**
 * The synthetic Airflow of bench:sync in a process of its own, as a real Airflow would be: its
 * CPU is not Medic's. Prints `{"url", "size"}` on one line once it listens; stops with stdin.
 */
import { createFakeAirflow } from '../../src/fakes/airflow.ts';
import type { HistoryOptions } from '../../src/fakes/airflow-history.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as { history: HistoryOptions; maxPageLimit: number; password: string };
const fake = await createFakeAirflow({ api: 'v2', password: options.password, history: options.history, maxPageLimit: options.maxPageLimit });
process.stdout.write(`${JSON.stringify({ url: fake.url, size: fake.history?.size })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
