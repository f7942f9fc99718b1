import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import { cleanUpFiles, type CleanUpDeps, type CleanUpOptions } from './cleanUpFiles';

/** Clean Up Files… (on a connection in the Batch Jobs view, or from the palette). */
export function registerFileCommands(register: RegisterCommand, deps: CleanUpDeps): void {
  register(Commands.cleanUpFiles, (arg?: unknown, options?: CleanUpOptions) => cleanUpFiles(deps, arg, options));
}
