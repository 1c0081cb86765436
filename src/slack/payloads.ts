/**
 * What Slack sends to `/slack/events`, as far as Medic reads it. Slack adds fields over time, so
 * the shapes are open (`z.object`), and only what Medic uses is required.
 */
import { z } from 'zod';

/** The Events API's handshake, and its events (Medic subscribes to none, but acknowledges them). */
export const EventsBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string().min(1).max(500) }),
  z.object({ type: z.literal('event_callback') }),
  z.object({ type: z.literal('app_rate_limited') }),
]);

const Action = z.object({
  action_id: z.string().min(1).max(255),
  value: z.string().max(2_000).optional(),
  type: z.string().optional(),
});

/** A click on a button of a message (`block_actions`), as the `payload` form field carries it. */
export const BlockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(50), name: z.string().optional(), username: z.string().optional() }),
  team: z.object({ id: z.string() }).nullable().optional(),
  channel: z.object({ id: z.string() }).nullable().optional(),
  container: z.object({ type: z.string(), channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  response_url: z.string().url().optional(),
  /** Opens a modal (`views.open`) for the clicker, once and within three seconds. */
  trigger_id: z.string().min(1).max(255).optional(),
  actions: z.array(Action).min(1),
});
export type BlockActions = z.infer<typeof BlockActions>;

/** A slash command (`/medic …`), as the form fields carry it. */
export const SlashCommand = z.object({
  command: z.string().min(1).max(100),
  text: z.string().max(4_000).default(''),
  user_id: z.string().min(1).max(50),
  user_name: z.string().optional(),
  channel_id: z.string().optional(),
  team_id: z.string().optional(),
  response_url: z.string().url().optional(),
});
export type SlashCommand = z.infer<typeof SlashCommand>;
