/**
 * Each orchestrator's credentials from its connection: the executors and the sources' pullers
 * log in the same way, so a token is fetched, cached and refreshed by one rule.
 */
import { basicAuth, jsonLogin, staticCredentials, tokenCredentials, type Credentials } from './auth.ts';
import type { AirflowConnection, ArgoConnection, ControlmConnection } from './config.ts';
import type { HttpDeps } from './http.ts';

/** Airflow 2: basic auth. Airflow 3: a JWT from `POST /auth/token`. */
export function airflowCredentials(c: AirflowConnection, deps: HttpDeps): Credentials {
  if (c.auth.kind === 'basic') return basicAuth(c.auth.username, c.auth.password);
  const { username, password } = c.auth;
  return tokenCredentials(() => jsonLogin(`${c.url}/auth/token`, { username, password }, 'access_token', 'Airflow /auth/token', c, deps));
}

/** A Kubernetes service-account token. */
export const argoCredentials = (c: ArgoConnection): Credentials => staticCredentials({ authorization: `Bearer ${c.token}` });

/** An API key, or a session token from `POST /session/login`. */
export function controlmCredentials(c: ControlmConnection, deps: HttpDeps): Credentials {
  if (c.auth.kind === 'api-key') return staticCredentials({ 'x-api-key': c.auth.key });
  const { username, password } = c.auth;
  return tokenCredentials(() => jsonLogin(`${c.url}/session/login`, { username, password }, 'token', 'Control-M /session/login', c, deps));
}
