// The wire format is the package's public contract module (`@nx-sst/runtime/wire`); the core uses it
// from there, and the build bundles it into the core's one file.
export * from '../wire.js';
