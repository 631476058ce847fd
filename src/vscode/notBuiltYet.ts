import { UserFacingError } from '../core/userFacingError';
import type { CommandHandler } from './commandRegistry';

/** For a contract command whose feature has not shipped: says so plainly, returns nothing fake. */
export function notBuiltYet(title: string): CommandHandler {
  return () => {
    throw new UserFacingError({ kind: 'notBuiltYet', feature: title });
  };
}
