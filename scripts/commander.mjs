// commander for the repository's scripts, the same copy the verbs use: packages/hooks pins 14.x, while the root's
// hoisted copy is an older one that a dev tool pulls in.
import { createRequire } from 'node:module';

export const { Command } = createRequire(new URL('../packages/hooks/package.json', import.meta.url))('commander');
