/**
 * node-postgres's own words for a connection lost under a query or never made: these errors carry
 * no SQLSTATE, so the HTTP error mapping and the decision's degraded reason both read the message.
 */
const LOST = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

export const isLostConnection = (err: unknown): boolean => err instanceof Error && LOST.test(err.message);
