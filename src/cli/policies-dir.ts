import { POLICIES_DIR } from '../runtime.ts';
import { configOrExit } from './config.ts';

/** The folder a policy command reads: the one given, else `MEDIC_POLICIES_DIR`, else the shipped `policies/`. */
export function policiesDir(dir: string | undefined): string {
  return dir ?? configOrExit().policiesDir ?? POLICIES_DIR;
}
