// The versions `init` installs: this plugin's own release for our packages, and the CDK it is built against.
export const nxSstVersion: string = require('../../../package.json').version;
export const awsCdkLibVersion = '^2.276.0';
export const constructsVersion = '^10.4.2';
