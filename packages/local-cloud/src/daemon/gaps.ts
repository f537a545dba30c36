import type { AnswerFilter, GapHandler } from './front';

/** moto's gaps the front fills, in the order they are tried. */
export const allGaps: GapHandler[] = [];

/** Filters applied to every answer. */
export const answerFilters: AnswerFilter[] = [];
