// The shape of `App.bindingModel()` from `@nx-sst/constructs`: declared once, in the wire contract
// (`@nx-sst/runtime/wire`), so the types writer and `bind` stay pure functions of plain data.
export type { BindingModel } from '@nx-sst/runtime/wire';
