import { formatFiles, type Tree } from '@nx/devkit';
import { constructKind } from '../../plugin/stack-source';
import { applyBindings, planBindings, resolveBindTargets } from '../utils/bind-resource';
import { assertValidId, readStackFiles, resolveInfraApp } from '../utils/infra-app';
import { includeTypesInBoundProjects } from '../utils/tsconfig-include';
import { wrapBoundTargets } from '../utils/wrap-targets';
import type { BindGeneratorSchema } from './schema';

export async function bindGenerator(tree: Tree, schema: BindGeneratorSchema): Promise<void> {
  assertValidId(schema.resource, 'resource id');
  const app = resolveInfraApp(tree, schema.app);
  const stacks = readStackFiles(tree, app);
  const found = stacks.flatMap(({ file, editor }) =>
    editor.constructs.filter((c) => c.id === schema.resource).map((c) => ({ file, editor, c })),
  );
  if (found.length === 0) {
    const ids = stacks.flatMap(({ editor }) =>
      editor.constructs.filter((c) => constructKind(c.type)?.module).map((c) => c.id),
    );
    throw new Error(
      `No resource '${schema.resource}' in the stacks of '${app.name}'.` +
        (ids.length ? ` Resources: ${[...new Set(ids)].sort().join(', ')}.` : '') +
        ` Add one with \`nx g nx-sst:resource\`.`,
    );
  }
  const { file, editor, c: resource } = found[0];
  if (!constructKind(resource.type)?.module) {
    throw new Error(
      `'${resource.id}' is a ${resource.type}, which is not bindable. Bind resources to its handler's project instead.`,
    );
  }
  if (!resource.variable) {
    throw new Error(
      `'${resource.id}' in ${file} is not held in a variable, so it cannot be bound. ` +
        `Assign it to a const (const x = new ${resource.type}(...)) and run this again.`,
    );
  }
  const [{ project, targets }] = resolveBindTargets(tree, app, file, editor, [schema.project]);
  const plans = planBindings(tree, [{ project, targets }], {
    type: resource.type,
    id: resource.id,
    variable: resource.variable,
  });
  applyBindings(editor, plans, resource.variable);
  if (editor.content !== tree.read(file, 'utf-8')) tree.write(file, editor.content);
  wrapBoundTargets(tree, project, app.name, schema.wrapTargets);
  includeTypesInBoundProjects(tree);
  if (!schema.skipFormat) await formatFiles(tree);
}

export default bindGenerator;
