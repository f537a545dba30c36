export interface SecretsExecutorSchema {
  command: 'set' | 'get' | 'list' | 'remove' | 'load';
  name?: string;
  value?: string;
  stage?: string;
  fallback?: boolean;
  format?: 'table' | 'env' | 'json';
}
