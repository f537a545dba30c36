import type { SSTConfig } from '@nx-sst/constructs';
import { Default } from './stacks/Default';

export default {
  config(_input) {
    return { name: 'quickstart', region: 'us-east-1' };
  },
  stacks(app) {
    app.stack(Default);
  },
} satisfies SSTConfig;
