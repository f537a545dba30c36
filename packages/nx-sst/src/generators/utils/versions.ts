// The versions `init` installs: this plugin's own release for our packages, and the CDK it is built against.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir (src), where no import can reach
export const nxSstVersion: string = require('../../../package.json').version;
export const awsCdkLibVersion = '^2.276.0';
export const constructsVersion = '^10.4.2';
