import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../core/write-atomic';
import { FsTree } from 'nx/src/generators/tree';
import type { BindingModel } from './binding-model';
import { isGenerated, projectTypeFiles, projectTypesFile, typesCache } from './project-types';
import { renderAppTypes, sameDeclarations, type RenderOptions } from './render';

export type { BindingModel };
export {
  GENERATED_HEADER,
  PROJECT_TYPES_FILE,
  renderAppTypes,
  renderProjectTypes,
  type RenderOptions,
} from './render';

/**
 * Writes `{appRoot}/.sst/types/index.ts` and the `sst-env.d.ts` of each project this app binds or
 * bound on its last run, touching only files whose content changes (so Nx and editors see no churn).
 * A project's file holds what the sync generator computes for it (`projectTypeFiles`), with this
 * app's part from its real construct tree: so the two write the same bytes, also when several apps
 * bind one project. A project no app binds any more loses its generated file, never a hand-written one.
 */
export function writeTypesFromModel(opts: {
  workspaceRoot: string;
  appRoot: string;
  model: BindingModel;
  infraApp?: string;
  regenerate?: string;
}): { written: string[] } {
  const { workspaceRoot, appRoot, model } = opts;
  const render: RenderOptions = { infraApp: opts.infraApp, regenerate: opts.regenerate };
  const files = new Map<string, string>();
  const typesDir = path.join(appRoot, '.sst', 'types');
  files.set(path.join(typesDir, 'index.ts'), renderAppTypes(model, render));
  const projects = new Map<string, string>();
  for (const t of model.targets) if (t.project) projects.set(t.project.name, t.project.root);
  const record = path.join(typesDir, 'projects.json');
  const previous = readRecord(record);

  const appRel = path.relative(workspaceRoot, appRoot).split(path.sep).join('/') || '.';
  const tree = new FsTree(workspaceRoot, false);
  const cache = typesCache(tree);
  let desired: Map<string, string>;
  try {
    desired = projectTypeFiles(tree, {
      models: new Map([[appRel, model]]),
      // An app Nx does not see as a project (no project file where its config is) still gets its types.
      extraApps: [{ name: path.basename(appRoot), root: appRel }],
      cache,
    });
  } finally {
    cache.write();
  }
  const written: string[] = [];
  for (const root of new Set([...projects.values(), ...Object.values(previous)])) {
    const rel = projectTypesFile(root);
    const file = path.join(workspaceRoot, rel);
    const content = desired.get(rel);
    const current = readText(file);
    if (content !== undefined) {
      // A formatter's version of the same declarations is kept (see `sameDeclarations`).
      if (current === undefined || !sameDeclarations(current, content)) files.set(file, content);
    } else if (isGenerated(current)) {
      fs.rmSync(file, { force: true });
      written.push(file);
    }
  }
  const sortedProjects = Object.fromEntries([...projects].sort(([a], [b]) => compare(a, b)));
  files.set(record, JSON.stringify(sortedProjects, null, 2) + '\n');

  for (const [file, content] of [...files].sort(([a], [b]) => compare(a, b))) {
    if (readText(file) === content) continue;
    writeAtomic(file, content);
    written.push(file);
  }
  return { written };
}

function readRecord(file: string): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Code-point order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export { writeTypes } from './write-types';
