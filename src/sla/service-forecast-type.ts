import type { DownstreamImpact } from './downstream.ts';
import type { Forecast, JobState } from './forecast-types.ts';
import type { JobModel } from './model.ts';

export interface ServiceForecast {
  service: string;
  at: Date;
  instance: { key: string; start: Date; deadline: Date };
  jobs: { job: string; state: JobState['kind']; confidence: JobModel['confidence'] | 'none'; samples: number; expectedEnd: Date | null }[];
  forecast: Forecast;
  atRisk: boolean;
  /** Services downstream (transitively) that miss their deadlines when this one is late. */
  downstream: string[];
  /** Every downstream service with its deadline and its chance to miss it, given this forecast. */
  impact: DownstreamImpact[];
  /** One sentence a person can act on. */
  summary: string;
}
