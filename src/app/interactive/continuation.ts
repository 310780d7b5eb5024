// What a page sign-in is for when it is not device registration: the app it signs in to (the target
// conditional access evaluates) and what happens once the user has passed (the continuation).

/**
 * The app a sign-in is for. Policies are evaluated for `appId`; `userAction` carries a macOS 27
 * authorization scope (`urn:apple:platformsso:auth:*`) when the Mac sent one; `deviceId` names a
 * Mac whose device proof came with the request, so device conditions see it.
 */
export interface SignInTarget {
  appId: string;
  appDisplayName: string;
  userAction?: string;
  deviceId?: string;
}

/**
 * Where a finished sign-in goes: `kind` picks the finisher the server registered (the OpenID
 * Provider's interaction, macOS 27 web login ...); `data` is that finisher's own state, kept in
 * the sign-in session (JSON, never secrets in the clear).
 */
export interface Continuation {
  kind: string;
  data: Record<string, unknown>;
  /** Where "Start again" leads (the app's own authorize URL); default: the registration sign-in. */
  restartUrl?: string;
  /** Form-action sources the final redirect needs beyond 'self' (CSP applies to a form post's redirects). */
  formActionSources?: string[];
}
