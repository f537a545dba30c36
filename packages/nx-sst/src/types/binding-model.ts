/**
 * The shape of `App.bindingModel()` from `@nx-sst/constructs` (docs/internals.md). Declared here
 * too so the types writer and `bind` stay pure functions of plain data, testable without CDK.
 */
export interface BindingModel {
  app: string;
  stage: string;
  ssmPrefix: string;
  resources: { type: string; id: string; clientPackage: string; props: string[]; stack: string }[];
  targets: {
    id: string;
    kind: 'function' | 'site' | 'service';
    project?: { name: string; root: string };
    bindings: { type: string; id: string }[];
    stack: string;
  }[];
}
