import { formatFiles, type Tree } from '@nx/devkit';
import { addConstruct } from '../utils/add-construct';
import type { SecretGeneratorSchema } from './schema';

/** Declares a secret; its value never enters the code, the template or the generated types. */
export async function secretGenerator(tree: Tree, schema: SecretGeneratorSchema): Promise<void> {
  addConstruct(tree, {
    app: schema.app,
    stack: schema.stack,
    type: 'Secret',
    id: schema.name,
    bind: schema.bind,
    wrapTargets: schema.wrapTargets,
    what: 'secret',
  });
  if (!schema.skipFormat) await formatFiles(tree);
}

export default secretGenerator;
