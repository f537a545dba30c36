import { resetBindings } from '../testing';

/**
 * Runs each test of the calling file with only the given variables set on top of a clean copy of
 * the environment (every SST_* and Lambda marker removed), and restores it afterwards.
 */
export function useEnv(): (vars: Record<string, string>) => void {
  const saved = { ...process.env };
  const markers = ['SST', 'AWS_LAMBDA_FUNCTION_NAME', 'CODEBUILD_BUILD_ARN'];
  const clean = () => {
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('SST_') || markers.includes(name)) delete process.env[name];
    }
    resetBindings();
  };
  beforeEach(clean);
  afterAll(() => {
    clean();
    Object.assign(process.env, saved);
    resetBindings();
  });
  return (vars) => {
    clean();
    Object.assign(process.env, vars);
  };
}
