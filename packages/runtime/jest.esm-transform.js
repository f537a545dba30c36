// jose and openid-client ship only ES modules. Node loads them through require(esm), but Jest's own
// module loader does not (before Node 24.9), so for the specs they are turned into CommonJS here.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      format: 'cjs',
      loader: 'js',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: filename,
    });
    return { code, map };
  },
};
