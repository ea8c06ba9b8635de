import { createRotor, closeSharedPool } from './dist/lib/index.js';
const R = createRotor({ executor: 'pool' });
const c = new R.MongoClient(process.env.MONGODB_URI); await c.connect();
const db = c.db('admin');
for (let i = 0; i < 500; i++) await db.command({ hello: 1 });
const N = 8000;
for (let i = 0; i < N; i++) await db.command({ hello: 1 });
await c.close(); await closeSharedPool();
