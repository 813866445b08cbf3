import { DplcError } from "../src/errors";

/** A dashboard request refused: 401 (not signed in, or a bad sign-in) or 403 (signed in, not allowed). */
export class DashboardAccessError extends DplcError {
  constructor(
    readonly status: 401 | 403,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(status === 401 ? "DASHBOARD_UNAUTHENTICATED" : "DASHBOARD_FORBIDDEN", message, options);
  }
}
