// Entry of a training worker thread (plain JS so that it starts under any runner): registers tsx for
// the TypeScript modules, then runs the worker loop.
import { register } from 'tsx/esm/api';

register();
await import('./trainer-worker.ts');
