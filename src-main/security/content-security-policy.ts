/**
 * The renderer's Content-Security-Policy: scripts only from the app itself, no plugins, no framing, and network
 * access only to the app (and, in lab mode, its event socket). The socket origins must be the server's own
 * names, never text from a request.
 */
export function contentSecurityPolicy(eventSocketOrigins: readonly string[] | null): string {
  const connect = ["'self'", ...(eventSocketOrigins ?? [])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
