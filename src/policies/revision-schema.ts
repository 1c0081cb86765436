import { z } from 'zod';
import { isUnstorable } from '../db/unstorable.ts';
import { isCaseFile } from './file-names.ts';

const storable = (max: number) => z.string().min(1).max(max).refine((t) => !isUnstorable(t), 'holds a NUL character or an unpaired surrogate');

/** A revision's id: the set's content hash, as `GET /v1/policies` and every decision report it. */
export const RevisionId = z.string().regex(/^[0-9a-f]{12}$/, 'a revision id is 12 hexadecimal digits (see GET /v1/policies/revisions)');

/** A policy file of a candidate set: a folder's `*.yaml` or `*.yml`, not a `*.test.yaml` of cases. */
export const RevisionFileInput = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.ya?ml$/, 'a file name in the folder, ending .yaml or .yml')
    .refine((n) => !isCaseFile(n), 'a *.test.yaml file holds test cases, not policies'),
  text: z.string().max(5_000_000).refine((t) => !isUnstorable(t), 'holds a NUL character or an unpaired surrogate'),
});

/** `POST /v1/policies/revisions`: a candidate set and what to record with it. */
export const ApplyBody = z.strictObject({
  files: z.array(RevisionFileInput).min(1).max(500)
    .refine((fs) => new Set(fs.map((f) => f.name)).size === fs.length, 'each file name once'),
  /** Who wrote the policies. */
  author: storable(200).optional(),
  /** The source commit the files come from. */
  commit: storable(200).optional(),
  message: storable(2_000).optional(),
  /** Say what would change, store nothing. @defaultValue false */
  dry_run: z.boolean().default(false),
});

/** `POST /v1/policies/revisions/:id/activate`: why, optionally. */
export const ActivateBody = z.strictObject({ message: storable(2_000).optional() }).nullish();

export const RevisionListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  /** Only revisions stored before the one with this number (the previous page's `next_before`). */
  before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});
