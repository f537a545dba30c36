import { Parameter } from './parameter';
import { Secret } from './secret';

/** `Config.Secret` and `Config.Parameter`, as SST v2 users write them. */
export const Config = { Secret, Parameter } as const;
