// OpenPSSO's acr values (OpenID Connect Core §2 `acr`): password only, or multi-factor, read off amr.

export const ACR_PWD = 'urn:openpsso:acr:pwd';
export const ACR_MFA = 'urn:openpsso:acr:mfa';

export const acrFor = (amr: string[]): string => (amr.includes('mfa') ? ACR_MFA : ACR_PWD);
