/**
 * The one catalogue of error codes. Domain code throws AppError with a code from here; the HTTP layer maps
 * codes to statuses in exactly one place (src/http/plugins/errors.ts) and the CLI maps them to exit codes.
 */
export const ERROR_CATALOGUE = {
  // input and format errors (parsers)
  FORMAT_TRUNCATED: { status: 422, message: 'The file ends before the structure it declares' },
  FORMAT_BAD_MAGIC: { status: 422, message: 'The file is not of the expected format (wrong magic)' },
  FORMAT_LIMIT_EXCEEDED: { status: 422, message: 'A size or count in the file exceeds the safety limits' },
  FORMAT_INVALID: { status: 422, message: 'The file is malformed' },
  FORMAT_UNSUPPORTED: { status: 422, message: 'The file uses a feature this server does not support' },
  UNSAFE_PATH: { status: 422, message: 'A path inside the package is unsafe' },
  // request errors
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid' },
  UNKNOWN_DISTRIBUTION: { status: 400, message: 'No such distribution' },
  UNSUPPORTED_FILE_TYPE: { status: 400, message: 'Only .deb and .rpm files are accepted' },
  FORMAT_MISMATCH: { status: 422, message: 'The package format does not match the distribution' },
  ARCH_NOT_ALLOWED: { status: 422, message: 'The package architecture is not served by the distribution' },
  DUPLICATE_CONFLICT: { status: 409, message: 'A different file with the same name, version and architecture exists' },
  ALREADY_EXISTS: { status: 409, message: 'An object with this name already exists' },
  PACKAGE_EXISTS: { status: 409, message: 'The package already exists in the snapshot' },
  MALWARE_FOUND: { status: 422, message: 'The antivirus found malware in the upload; it was rejected and quarantined' },
  SIGNATURE_REQUIRED: { status: 422, message: 'The package carries no OpenPGP signature and the policy requires one' },
  SIGNATURE_INVALID: { status: 422, message: 'The package signature does not verify against a trusted key' },
  UPLOAD_TOO_LARGE: { status: 413, message: 'The upload exceeds the size limit' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  JUSTIFICATION_REQUIRED: { status: 422, message: 'A decision needs a justification' },
  DECISION_INVALID: { status: 422, message: 'The decision is not valid for this package' },
  NOT_REVIEWABLE: { status: 409, message: 'The package has no security review to decide on' },
  FEED_INVALID: { status: 422, message: 'The vulnerability feed cannot be read' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested byte range is not satisfiable' },
  // catalog, distributions, promotion
  AMBIGUOUS_PACKAGE: { status: 409, message: 'Several files match; narrow the request with distribution or arch' },
  DISTRIBUTION_EXISTS: { status: 409, message: 'A distribution with this codename already exists' },
  DISTRIBUTION_IN_USE: { status: 409, message: 'The distribution still holds packages that the change would orphan' },
  PROMOTION_BLOCKED: { status: 409, message: 'The security gate refuses this package in the target distribution' },
  // auth
  AUTH_REQUIRED: { status: 401, message: 'Authentication required' },
  AUTH_INVALID: { status: 401, message: 'Invalid or expired credentials' },
  BAD_CREDENTIALS: { status: 401, message: 'Incorrect username or password' },
  FORBIDDEN: { status: 403, message: 'Insufficient role' },
  // accounts
  ACCOUNT_LOCKED: { status: 429, message: 'Too many failed logins; the account is temporarily locked' },
  PASSWORD_POLICY: { status: 422, message: 'The password does not meet the policy (8-128 characters, one uppercase letter, one digit or symbol)' },
  CURRENT_PASSWORD_INCORRECT: { status: 400, message: 'The current password is incorrect' },
  USER_EXISTS: { status: 409, message: 'A user with this name already exists' },
  SELF_CHANGE_FORBIDDEN: { status: 409, message: 'An admin cannot change their own role, deactivate or delete themselves' },
  LAST_ADMIN: { status: 409, message: 'The last active admin cannot be removed, demoted or deactivated' },
  ROLE_NOT_GRANTABLE: { status: 403, message: 'A token cannot carry a role higher than its owner\'s' },
  SESSION_REQUIRED: { status: 400, message: 'This operation needs a login session (JWT), not an API token' },
  // server side
  STORAGE_FAILED: { status: 500, message: 'The storage backend failed' },
  SIGNING_FAILED: { status: 500, message: 'Signing failed' },
  INTERNAL: { status: 500, message: 'Internal error' },
  JOB_CANCELED: { status: 409, message: 'The job was canceled' },
  SHUTTING_DOWN: { status: 503, message: 'The server is shutting down' },
  ANTIVIRUS_UNAVAILABLE: { status: 503, message: 'The antivirus scan is required but clamd is unavailable' },
  // operations
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time given in Retry-After' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The method is not allowed on this resource' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body has an unsupported content type' },
  // hosts (Repomanager API v2, agent channel)
  HOST_ALREADY_REGISTERED: { status: 409, message: 'A host with this hostname is already registered' },
  INVENTORY_INVALID: { status: 422, message: 'The reported inventory is malformed' },
  REQUEST_NOT_CANCELABLE: { status: 409, message: 'The request has already finished' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
