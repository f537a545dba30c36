/** The errors application code can meet, with texts that say what to do. */

/** Exact SST v2 text, so searches for it land on the same answers. */
export function unboundError(type: string, prop: string): Error {
  return new Error(`Cannot use ${type}.${prop}. Please make sure it is bound to this function.`);
}

/**
 * `SST_APP` is missing: nothing was bound into this process. Like SST v2, the hint depends on where
 * the code runs; `env` is undefined in a browser.
 */
export function missingAppError(env: Record<string, string | undefined> | undefined): Error {
  if (!env) {
    return new Error(
      'Cannot access bound resources: "@nx-sst/runtime" is used on the client side (this code runs in a browser, where nothing is bound). Read bound values in server code only. To give a value to browser code, put it in the site\'s "environment" under a name the framework inlines (NEXT_PUBLIC_* for a NextjsSite, VITE_* for a Vite StaticSite; "nx g nx-sst:resource --bind <site> --client" writes them), and never a secret.',
    );
  }
  if (env.SST) {
    return new Error(
      'Cannot access bound resources. This usually happens if "@nx-sst/runtime" is used at build time, for example in Next.js "getStaticProps()" or a SvelteKit prerender. Please run your build with the bound values: through Nx ("nx run web:build", which the nx-sst plugin binds) or "nx-sst bind -- next build".',
    );
  }
  if (env.AWS_LAMBDA_FUNCTION_NAME || env.CODEBUILD_BUILD_ARN) {
    return new Error(
      'Cannot access bound resources. SST_APP is not set in this function\'s environment, so nothing is bound to it. Bind the resources to this function in your stack (the "bind" prop) and deploy again.',
    );
  }
  return new Error(
    'Cannot access bound resources. This usually happens if "@nx-sst/runtime" is used on the client-side. Ensure that it\'s only called in your server functions. To run local code with the bound values, run it through Nx (the nx-sst plugin binds a bound project\'s dev, test, build… targets) or with "nx-sst bind -- <command>"; in unit tests, use setBindings() from "@nx-sst/runtime/testing".',
  );
}

/** Secrets that are set neither for the stage nor as fallbacks. */
export class MissingSecretsError extends Error {
  override readonly name = 'MissingSecretsError';
  constructor(
    /** The Secret names, sorted. */
    readonly secrets: string[],
    readonly stage: string,
    /** The infra app, named when the workspace has several (`NX_SST_APP`, set by `nx-sst bind`). */
    readonly app?: string,
  ) {
    super(
      `The following secret values are not set in the "${stage} stage": ${secrets.join(', ')}. Set them with "nx-sst secrets set <name> <value> --stage ${stage}${app ? ` --app ${app}` : ''}" (or with --fallback for every stage).`,
    );
  }
}

/** A placeholder read before `load()` resolved it. */
export class NotLoadedError extends Error {
  override readonly name = 'NotLoadedError';
  constructor(readonly binding: string) {
    super(
      `${binding} is fetched from SSM and has not been loaded yet. Call "await load()" (import { load } from "@nx-sst/runtime") before reading it, for example at the top of your handler or at module top level in ESM.`,
    );
  }
}

/** A non-secret value (a site URL) whose SSM parameter does not exist. */
export function missingParameterError(binding: string, path: string): Error {
  return new Error(
    `Cannot use ${binding}: its SSM parameter "${path}" does not exist. Deploy the stack that defines it.`,
  );
}
