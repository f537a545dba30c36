import { formatFiles, type Tree } from '@nx/devkit';
import { normalizeLocation } from '../../plugin/stack-source';
import { addConstruct } from '../utils/add-construct';
import { readProject, readStackFiles, resolveInfraApp } from '../utils/infra-app';
import { includeTypesInBoundProjects } from '../utils/tsconfig-include';
import { wrapBoundTargets } from '../utils/wrap-targets';
import { detectSiteFramework, type SiteFramework, viteOutDir } from './framework';
import type { SiteGeneratorSchema } from './schema';

const CONSTRUCT_OF: Record<SiteFramework, string> = {
  nextjs: 'NextjsSite',
  vite: 'StaticSite',
  static: 'StaticSite',
};

export async function siteGenerator(tree: Tree, schema: SiteGeneratorSchema): Promise<void> {
  if (schema.type !== undefined && !CONSTRUCT_OF[schema.type]) {
    throw new Error(
      `Unknown site type '${schema.type}'. Use nextjs, vite or static (or leave it out to detect it).`,
    );
  }
  const app = resolveInfraApp(tree, schema.app);
  const project = readProject(tree, schema.project);
  const root = normalizeLocation(project.root);
  if (root === normalizeLocation(app.root)) {
    throw new Error(`'${project.name}' is the infra app itself; pass the frontend project with --project.`);
  }
  if (root === '' || root === '.') {
    throw new Error(
      `'${project.name}' is the workspace root project; a site must be a project in its own folder.`,
    );
  }

  // One site per project folder: a second run, or a site written by hand, is kept as it is.
  const existing = readStackFiles(tree, app)
    .flatMap(({ file, editor }) => editor.constructs.map((c) => ({ file, c })))
    .find(
      ({ c }) =>
        (c.type === 'NextjsSite' || c.type === 'StaticSite') &&
        c.targets.some((t) => normalizeLocation(t.location) === root),
    );
  // Without --type a site that exists is kept whatever it is; with one, it must be that kind.
  if (existing && schema.type && existing.c.type !== CONSTRUCT_OF[schema.type]) {
    throw new Error(
      `'${project.name}' is already a ${existing.c.type} ('${existing.c.id}' in ${existing.file}). ` +
        `Change it there if it should be a ${CONSTRUCT_OF[schema.type]}.`,
    );
  }
  if (!existing) {
    const framework = schema.type ?? detectSiteFramework(tree, root);
    addConstruct(tree, {
      app: schema.app ?? app.name,
      stack: schema.stack,
      type: CONSTRUCT_OF[framework],
      id: schema.name ?? siteId(project.name),
      props: siteProps(tree, framework, root),
      what: 'site',
    });
  }
  wrapBoundTargets(tree, { name: project.name, root: project.root }, app.name, schema.wrapTargets);
  includeTypesInBoundProjects(tree);
  if (!schema.skipFormat) await formatFiles(tree);
}

/**
 * A Vite app is built at deploy with Vite itself, not its `build` script: that script runs under
 * `nx-sst bind`, which needs the stage deployed already.
 */
function siteProps(tree: Tree, framework: SiteFramework, root: string): string {
  if (framework !== 'vite') return `{ path: '${root}' }`;
  const outDir = viteOutDir(tree, root).replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `{ path: '${root}', buildCommand: 'npx vite build', buildOutput: '${outDir}' }`;
}

/** `@acme/web` → `web`: a construct id from a project name. */
function siteId(projectName: string): string {
  const bare = projectName.replace(/^@[^/]+\//, '').replace(/[^a-zA-Z0-9_-]/g, '-');
  return /^[a-zA-Z]/.test(bare) ? bare : `site-${bare}`;
}

export default siteGenerator;
