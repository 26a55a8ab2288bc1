// Entry of a model thread (plain JS so that it starts under any runner): registers tsx for the
// TypeScript modules, then runs the serving loop.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
