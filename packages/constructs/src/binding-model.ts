import * as cdk from 'aws-cdk-lib';
import type { App } from './app';
import type { Bindable } from './binding';
import type { BindTarget } from './bind-target';
import type { BindingModel } from '@nx-sst/runtime/wire';

/** What the `types` command needs, read from the construct tree without synthesis: the wire contract's shape. */
export type { BindingModel };

const byTypeThenId = (a: { type: string; id: string }, b: { type: string; id: string }) =>
  a.type === b.type ? a.id.localeCompare(b.id) : a.type.localeCompare(b.type);

export function buildBindingModel(app: App, bindables: Bindable[], targets: BindTarget[]): BindingModel {
  const resources = bindables
    .map((b) => {
      const { type, clientPackage, variables } = b.getBindings();
      return {
        type,
        id: b.id,
        clientPackage,
        props: Object.keys(variables),
        stack: cdk.Stack.of(b).stackName,
      };
    })
    .sort(byTypeThenId);
  return {
    app: app.name,
    stage: app.stage,
    ssmPrefix: app.ssmPrefix,
    resources,
    targets: targets
      .map((t) => {
        const project = app.resolveProject(t.targetPath);
        return {
          id: t.targetId,
          kind: t.targetKind,
          ...(project ? { project: { name: project.name, root: project.root } } : {}),
          bindings: t
            .boundResources()
            .map((b) => ({ type: b.getBindings().type, id: b.id }))
            .sort(byTypeThenId),
          stack: cdk.Stack.of(t).stackName,
        };
      })
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}
