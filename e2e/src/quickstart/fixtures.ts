import { VERSIONS, type Workspace } from '../harness/workspace';

/**
 * The workspace a user starts from, written by hand as `create-nx-workspace` would leave it (that
 * package is not on the registry for Nx 24): npm workspaces, Nx, TypeScript, a Next.js app `web`, a
 * library `functions` (handlers, later bound to a table) and a library `unrelated` that nothing binds.
 */
export function writeStarterWorkspace(workspace: Workspace): void {
  workspace.writeJson('package.json', {
    name: 'acme',
    version: '0.0.0',
    private: true,
    workspaces: ['apps/*', 'libs/*'],
    devDependencies: {
      nx: VERSIONS.nx,
      typescript: VERSIONS.typescript,
      '@types/node': VERSIONS['@types/node'],
      vitest: VERSIONS.vitest,
    },
  });
  workspace.writeJson('nx.json', {
    $schema: './node_modules/nx/schemas/nx-schema.json',
    analytics: false,
    defaultBase: 'main',
    namedInputs: {
      default: ['{projectRoot}/**/*', 'sharedGlobals'],
      production: ['default', '!{projectRoot}/**/*.test.ts'],
      sharedGlobals: ['{workspaceRoot}/tsconfig.base.json'],
    },
  });
  workspace.writeJson('tsconfig.base.json', {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
    },
  });
  workspace.write('.gitignore', ['node_modules', '.nx', '.next', 'next-env.d.ts', 'dist', ''].join('\n'));

  workspace.writeJson('apps/web/package.json', {
    name: 'web',
    version: '0.0.0',
    private: true,
    scripts: { dev: 'next dev', build: 'next build', start: 'next start', test: 'vitest run' },
    dependencies: { next: VERSIONS.next, react: VERSIONS.react, 'react-dom': VERSIONS['react-dom'] },
    devDependencies: { '@types/react': VERSIONS['@types/react'] },
  });
  // What `next dev` would otherwise rewrite on its first start (Next 16 adds its dev types).
  workspace.writeJson('apps/web/tsconfig.json', {
    compilerOptions: {
      target: 'ES2022',
      lib: ['dom', 'dom.iterable', 'ES2023'],
      allowJs: true,
      skipLibCheck: true,
      strict: true,
      noEmit: true,
      esModuleInterop: true,
      module: 'esnext',
      moduleResolution: 'bundler',
      resolveJsonModule: true,
      isolatedModules: true,
      jsx: 'react-jsx',
      incremental: false,
      plugins: [{ name: 'next' }],
    },
    include: ['next-env.d.ts', '**/*.ts', '**/*.tsx', '.next/types/**/*.ts', '.next/dev/types/**/*.ts'],
    exclude: ['node_modules'],
  });
  workspace.write('apps/web/next.config.mjs', 'export default {};\n');
  workspace.write(
    'apps/web/app/layout.tsx',
    [
      'export const metadata = { title: "acme" };',
      '',
      'export default function RootLayout({ children }: { children: React.ReactNode }) {',
      '  return (',
      '    <html lang="en">',
      '      <body>{children}</body>',
      '    </html>',
      '  );',
      '}',
      '',
    ].join('\n'),
  );
  workspace.write('apps/web/app/page.tsx', 'export default function Home() {\n  return <h1>acme</h1>;\n}\n');

  workspace.writeJson('libs/functions/package.json', {
    name: 'functions',
    version: '0.0.0',
    private: true,
    scripts: { test: 'vitest run' },
  });
  workspace.writeJson('libs/unrelated/package.json', {
    name: 'unrelated',
    version: '0.0.0',
    private: true,
    scripts: { test: 'node --test' },
  });
  workspace.write(
    'libs/unrelated/src/slug.test.mjs',
    [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      '',
      "test('a library nothing binds', () => {",
      "  assert.equal('Hello World'.toLowerCase().replace(/ /g, '-'), 'hello-world');",
      '});',
      '',
    ].join('\n'),
  );
}
