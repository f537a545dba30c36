import type { Tree } from '@nx/devkit';
import { clientEnvName } from '@nx-sst/runtime/wire';
import * as ts from 'typescript';
import { constructKind, normalizeLocation, property, type StackConstruct } from '../../plugin/stack-source';
import { detectSiteFramework } from '../site/framework';
import { readProject, readStackFiles, targetsOfProject, type InfraApp } from './infra-app';
import type { StackEditor } from './stack-editor';

export interface ProjectTargets {
  project: { name: string; root: string };
  targets: StackConstruct[];
}

/**
 * The bind targets, in the stack file being edited, of each named project. Refuses, before anything is
 * written, a project with no target there: binding needs code that runs (a site or a function), and
 * inventing a handler file for a library would deploy code nobody wrote.
 */
export function resolveBindTargets(
  tree: Tree,
  app: InfraApp,
  file: string,
  editor: StackEditor,
  projects: string[],
): ProjectTargets[] {
  const result: ProjectTargets[] = [];
  for (const name of [...new Set(projects)]) {
    const project = readProject(tree, name);
    const targets = targetsOfProject(tree, editor, project);
    if (targets.length === 0) {
      const elsewhere = readStackFiles(tree, app)
        .filter((s) => s.file !== file)
        .find((s) => targetsOfProject(tree, s.editor, project).length > 0);
      if (elsewhere) {
        throw new Error(
          `Project '${name}' is a target in ${elsewhere.file}, not in ${file}. ` +
            `Pass --stack for that stack, or bind across stacks by hand with use().`,
        );
      }
      throw new Error(
        `Project '${name}' has nothing in ${file} that runs its code, so nothing can be bound to it. ` +
          `For a frontend, run \`nx g nx-sst:site --project ${name}\`; for a library, add a Function whose ` +
          `handler lives in it: \`nx g nx-sst:resource --type function --name <id> --handler ${project.root}/src/index.handler\`.`,
      );
    }
    result.push({ project: { name, root: project.root }, targets });
  }
  return result;
}

/** How one target gets a resource: through its `bind` prop or call, and/or as entries of its `environment`. */
export interface TargetBinding {
  target: StackConstruct;
  bind: boolean;
  /** Client-visible environment entries: key → the resource's prop read in it. */
  environment: { key: string; prop: string }[];
}

/**
 * Decides, before anything is written, how a resource reaches each target, and refuses what cannot work:
 * - a `StaticSite` has no server code, so it takes no `bind`: a Vite app gets `environment` entries Vite
 *   inlines into browser code (`VITE_BUCKET_UPLOADS_BUCKET_NAME: uploadsBucket.bucketName`); any other
 *   static site is refused, since nothing says which names its build reads;
 * - a `NextjsSite` is bound (server code) and, with `client`, also gets `NEXT_PUBLIC_*` entries;
 * - a Secret never goes to a browser: bound to a static site, or with `client`, it is refused.
 */
export function planBindings(
  tree: Tree,
  projectTargets: ProjectTargets[],
  resource: { type: string; id: string; variable: string },
  options: { client?: boolean } = {},
): TargetBinding[] {
  const kind = constructKind(resource.type);
  const plans: TargetBinding[] = [];
  for (const { project, targets } of projectTargets) {
    for (const target of targets) {
      const browser = target.type === 'StaticSite' || (options.client && target.type === 'NextjsSite');
      if (!browser) {
        plans.push({ target, bind: true, environment: [] });
        continue;
      }
      if (resource.type === 'Secret') {
        throw new Error(
          target.type === 'StaticSite'
            ? `Cannot bind Secret '${resource.id}' to '${project.name}': '${target.id}' is a StaticSite, which has no server code, so the secret would have to go to the browser, and secrets never do. ` +
                `Read it in a Function and call that from the site, or bind it to a project with server code.`
            : `--client would give Secret '${resource.id}' to every browser of '${project.name}'; secrets never go there. ` +
                `Bind it without --client and read Config.${resource.id} in server code.`,
        );
      }
      let prefix: string | undefined = 'NEXT_PUBLIC_';
      if (target.type === 'StaticSite') {
        const path = normalizeLocation(target.targets[0]?.location ?? project.root);
        const framework = detectSiteFramework(tree, path);
        // A Next.js static export inlines NEXT_PUBLIC_* as a Next.js server would.
        prefix =
          vitePrefixOf(target) ?? { vite: 'VITE_', nextjs: 'NEXT_PUBLIC_', static: undefined }[framework];
        if (!prefix) {
          const example = (kind?.props ?? ['value'])
            .map(
              (p) => `${clientEnvName('PUBLIC_', resource.type, resource.id, p)}: ${resource.variable}.${p}`,
            )
            .join(', ');
          throw new Error(
            `Cannot bind ${resource.type} '${resource.id}' to '${project.name}': '${target.id}' is a StaticSite, which has no server code, and not a Vite app ` +
              `(no vite.config.* in ${path}) nor a Next.js export, so nx-sst cannot tell which environment variables its build gives to browser code. ` +
              `Add the value to its environment by hand, under the name your build reads: environment: { ${example} }. ` +
              `Values known only at deploy reach the build as {{ KEY }} and are replaced in the uploaded files.`,
          );
        }
      }
      plans.push({
        target,
        bind: target.type !== 'StaticSite',
        environment: (kind?.props ?? []).map((prop) => ({
          key: clientEnvName(prefix, resource.type, resource.id, prop),
          prop,
        })),
      });
    }
  }
  return plans;
}

/** Applies a plan to the stack being edited. */
export function applyBindings(editor: StackEditor, plans: TargetBinding[], variable: string): void {
  for (const { target, bind, environment } of plans) {
    if (bind) editor.bind(target.id, variable);
    if (environment.length) {
      editor.addEnvironment(
        target.id,
        variable,
        environment.map(({ key, prop }) => ({ key, value: `${variable}.${prop}` })),
      );
    }
  }
}

/** The first `vite: { envPrefix }` of a StaticSite, when written as a string literal (or an array of them). */
function vitePrefixOf(site: StackConstruct): string | undefined {
  const vite = property(site.props, 'vite');
  const prefix = vite && ts.isObjectLiteralExpression(vite) ? property(vite, 'envPrefix') : undefined;
  const first = prefix && ts.isArrayLiteralExpression(prefix) ? prefix.elements[0] : prefix;
  if (vite && !first) return 'VITE_';
  return first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))
    ? first.text
    : undefined;
}
