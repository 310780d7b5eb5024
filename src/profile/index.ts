// Public surface of the profile module: generate, sign, lint and explain Platform SSO profiles, and
// read the settings a Mac would apply from one.

export { generateProfile, buildProfile, generateSignedProfile, parseProfileConfig, uuidV5, ProfileOptionsError } from './generate.js';
export type { GenerateOptions, OpenPssoProfileOptions, EntraProfileOptions, GenerateResult, ExtraPayload, BuildExtras } from './generate.js';
export { lintProfile, lintProfiles, LATEST_MACOS } from './lint.js';
export type { Finding, LintOptions, LintResult, NamedProfile, Severity } from './lint.js';
export { findingCodes, findingCode } from './finding-codes.js';
export { explainKey, suggestKey, listKeys } from './explain.js';
export { readMacSettings, ProfileReadError } from './mac-settings.js';
export type { MacSettings, MacAuthMethod } from './mac-settings.js';
export { signProfile, openSignedProfile, ProfileSigningError, SignedProfileError } from './cms.js';
export type { SignOptions, SignerReport } from './cms.js';
export { keySpecs } from './keys.js';
export type { KeySpec } from './keys.js';
export { runProfileGenerate, runProfileLint, runProfileExplain } from './cli.js';
export { planExtensionProfile, REGISTRATION_TOKEN_PLACEHOLDER } from './generate-extension.js';
export type { ExtensionProfileInput, ExtensionProfilePlan, DialectConfig } from './generate-extension.js';
export { EXTENSIONS, PLACEHOLDER_EXTENSION, extensionById, extensionBaseUrl, aasaAppIds, isPlaceholderTeam } from './extensions.js';
export type { ExtensionName, ExtensionSpec, ProfileExtension } from './extensions.js';
