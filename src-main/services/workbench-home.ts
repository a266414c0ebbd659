import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the workbench keeps its database and files outside Electron: `--home DIR`, else RTK_WORKBENCH_HOME,
 * else ~/.rtk-workbench (architecture.md, "Where data lives").
 */
export function resolveHomeDirectory(
  flag: string | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): string {
  const chosen = flag ?? environment['RTK_WORKBENCH_HOME'];
  if (chosen !== undefined && chosen.trim() !== '') return resolve(chosen);
  return join(homedir(), '.rtk-workbench');
}
