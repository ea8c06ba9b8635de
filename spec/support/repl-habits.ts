// The mongosh compatibility table: what a mongosh user types, what mongosh prints, what rotor must
// print. spec/repl-habits.spec.ts runs every row (piped stdin, --eval, script files, a
// pseudo-terminal); README's "mongosh compatibility" table is this one (the spec checks they match).
// `mongosh` is what mongosh 2.x printed for the same input on the embedded FerretDB 1.24
// (npx mongosh, run beside the spec), or its documented output where marked.
// `$DB` stands for the database the rows run in.

export interface Habit {
  /** What the user types; lines separated by \n. */
  input: string;
  /** mongosh's output. */
  mongosh: string;
  /** What rotor prints: a substring of its output, or a pattern. */
  rotor: string | RegExp;
  /** rotor's output as README shows it, when `rotor` is a pattern. */
  shows?: string;
  /** How it is run: piped stdin (the default), --eval, a script file, the terminal. */
  via?: 'stdin' | 'eval' | 'script' | 'pty';
  /** Extra command-line arguments. */
  args?: string[];
  /** A deliberate difference from mongosh, and why. */
  differs?: string;
}

export const HABITS: Habit[] = [
  // ---- collections and documents
  { input: `db.people.insertOne({ _id: 1, name: 'ada', age: 36 })`, mongosh: `{ acknowledged: true, insertedId: 1 }`, rotor: `{ acknowledged: true, insertedId: 1 }` },
  { input: `db.people.find()`, mongosh: `[ { _id: 1, name: 'ada', age: 36 } ]`, rotor: `[\n  { _id: 1, name: 'ada', age: 36 }\n]`, differs: 'a page prints one document per line, however short' },
  { input: `db['people'].findOne()`, mongosh: `{ _id: 1, name: 'ada', age: 36 }`, rotor: `{ _id: 1, name: 'ada', age: 36 }` },
  { input: `db.getCollection('people').countDocuments()`, mongosh: `1`, rotor: /^1$/m, shows: '1' },
  { input: `db.people.countDocuments() + 1`, mongosh: `2`, rotor: /^2$/m, shows: '2' },
  { input: `db.people.findOne({ _id: 1 }).age * 2`, mongosh: `72`, rotor: /^72$/m, shows: '72' },
  { input: `db.people.find({}, { _id: 0 })`, mongosh: `[ { name: 'ada', age: 36 } ]`, rotor: `  { name: 'ada', age: 36 }` },
  { input: `db.people.findOne({}, { _id: 0, age: 0 })`, mongosh: `{ name: 'ada' }`, rotor: `{ name: 'ada' }` },
  { input: `db.people.find({}, { name: 1 }, { limit: 1 })`, mongosh: `[ { _id: 1, name: 'ada' } ]`, rotor: `  { _id: 1, name: 'ada' }` },
  { input: `db.people.find({}, { projection: { age: 1 } })`, mongosh: `MongoServerError[NotImplemented]: projection expression { age: 1 } is not supported`, rotor: `  { _id: 1, age: 36 }`, differs: "mongosh reads it as the projection of a field named 'projection' (which FerretDB refuses); rotor, as the driver, as options: it holds a find option only" },
  { input: `db.people.find({}, { _id: 0, limit: 1 })`, mongosh: `[ {} ]  (limit taken for a field)`, rotor: `TypeError: find(filter, projection): the second argument mixes find options (limit) with fields (_id)`, differs: 'an object mixing find options and fields is refused, naming both, rather than guessed' },
  { input: `db.people.insertMany([{ _id: 1 }, { _id: 2 }], { ordered: false })`, mongosh: "MongoBulkWriteError: E11000 duplicate key error collection: $DB.people\nResult: BulkWriteResult { insertedCount: 1, ..., insertedIds: { '1': 2 } }\nWrite Errors: [ WriteError {...} ]", rotor: "Result: { insertedCount: 1, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, upsertedIds: {}, insertedIds: { '1': 2 } }", differs: 'the write errors are one line each (`writeErrors[0]: …`)' },
  { input: `db.people.updateOne({ _id: 2 }, { $set: { age: 1 } })`, mongosh: `{ acknowledged: true, insertedId: null, matchedCount: 1, modifiedCount: 1, upsertedCount: 0 }`, rotor: /acknowledged: true,\s+insertedId: null,\s+matchedCount: 1,\s+modifiedCount: 1,\s+upsertedCount: 0/, shows: '(the same, one field per line)' },
  { input: `db.people.deleteOne({ _id: 2 })`, mongosh: `{ acknowledged: true, deletedCount: 1 }`, rotor: `{ acknowledged: true, deletedCount: 1 }` },
  { input: `db.people.insert({ _id: 3 })`, mongosh: "DeprecationWarning: Collection.insert() is deprecated. Use insertOne, insertMany, or bulkWrite.\n{ acknowledged: true, insertedIds: { '0': 3 } }", rotor: "{ acknowledged: true, insertedIds: { '0': 3 } }" },
  { input: `db.people.update({ _id: 3 }, { $set: { a: 1 } })`, mongosh: 'DeprecationWarning: Collection.update() is deprecated. Use updateOne, updateMany, or bulkWrite.\n{ acknowledged: true, insertedId: null, matchedCount: 1, modifiedCount: 1, upsertedCount: 0 }', rotor: /insertedId: null,\s+matchedCount: 1/, shows: '(the same)' },
  { input: `db.people.remove({ _id: 3 })`, mongosh: 'DeprecationWarning: Collection.remove() is deprecated. Use deleteOne, deleteMany, findOneAndDelete, or bulkWrite.\n{ acknowledged: true, deletedCount: 1 }', rotor: '{ acknowledged: true, deletedCount: 1 }' },
  { input: `db.people.getIndexes()`, mongosh: `[ { v: 2, key: { _id: 1 }, name: '_id_' } ]`, rotor: `[ { v: 2, key: { _id: 1 }, name: '_id_' } ]` },
  { input: `db.people.createIndex({ name: 1 })`, mongosh: `name_1`, rotor: /^name_1$/m, shows: 'name_1' },
  { input: `db.people.stats().ok`, mongosh: `1`, rotor: /^1$/m, shows: '1' },
  { input: `db.people.find().pretty()`, mongosh: `[ { _id: 1, name: 'ada', age: 36 } ]`, rotor: `  { _id: 1, name: 'ada', age: 36 }` },
  { input: `db.people.find().itcount()`, mongosh: `1`, rotor: /^1$/m, shows: '1' },
  { input: `db.people.find().size()`, mongosh: `1`, rotor: /^1$/m, shows: '1' },
  { input: `db.people.find().sort({ _id: -1 }).limit(1).toArray()[0]._id`, mongosh: `1`, rotor: /^1$/m, shows: '1' },
  { input: `db.people.distinct('name')`, mongosh: `[ 'ada' ]`, rotor: `[ 'ada' ]` },
  { input: `db.people.aggregate([{ $count: 'n' }])`, mongosh: `[ { n: 1 } ]`, rotor: `  { n: 1 }` },
  { input: `db.people.findOneAndUpdate({ _id: 1 }, { $inc: { age: 1 } }, { returnDocument: 'after' }).age`, mongosh: `37`, rotor: /^37$/m, shows: '37' },
  { input: `db.people`, mongosh: `$DB.people`, rotor: /^\$DB\.people$/m, shows: '$DB.people' },
  { input: `for (let i = 0; i < 25; i++) db.many.insertOne({ _id: i })\ndb.many.find()\nit`, mongosh: '{ acknowledged: true, insertedId: 24 }\n[ { _id: 0 }, ... { _id: 19 } ]\nType "it" for more\n[ { _id: 20 }, ... ]', rotor: /\{ _id: 19 \}\n\]\nType "it" for more\n\[\n {2}\{ _id: 20 \}/, shows: 'the same pages' },
  { input: `db.many.drop()`, mongosh: `true`, rotor: /^true$/m, shows: 'true' },
  // ---- databases and the server
  { input: `db`, mongosh: `$DB`, rotor: /^\$DB$/m, shows: '$DB' },
  { input: `db.getName()`, mongosh: `$DB`, rotor: /^\$DB$/m, shows: '$DB' },
  { input: `db.getSiblingDB('other_$DB').getName()`, mongosh: `other_$DB`, rotor: /^other_\$DB$/m, shows: 'other_$DB' },
  { input: `db.getCollectionNames()`, mongosh: `[ 'people' ]`, rotor: `[ 'people' ]` },
  { input: `db.getCollectionInfos()[0].name`, mongosh: `people`, rotor: /^people$/m, shows: 'people' },
  { input: `db.runCommand({ ping: 1 })`, mongosh: `{ ok: 1 }`, rotor: /^\{ ok: 1 \}$/m, shows: '{ ok: 1 }' },
  { input: `db.runCommand('ping')`, mongosh: `{ ok: 1 }`, rotor: /^\{ ok: 1 \}$/m, shows: '{ ok: 1 }' },
  { input: `db.adminCommand({ ping: 1 })`, mongosh: `{ ok: 1 }`, rotor: /^\{ ok: 1 \}$/m, shows: '{ ok: 1 }' },
  { input: `db.version()`, mongosh: `7.0.42`, rotor: /^7\.0\.\d+$/m, shows: '7.0.42' },
  { input: `db.serverStatus().ok`, mongosh: `1`, rotor: /^1$/m, shows: '1' },
  { input: `db.stats().ok`, mongosh: `1`, rotor: /^1$/m, shows: '1' },
  { input: `db.getMongo() === client`, mongosh: `ReferenceError: client is not defined`, rotor: /^true$/m, shows: 'true', differs: 'mongosh has no `client`; rotor keeps the driver client in scope' },
  { input: `db.comand({ ping: 1 })`, mongosh: `TypeError: db.comand is not a function`, rotor: "TypeError: Db has no attribute 'comand'; did you mean 'command'?", differs: 'a name one edit away from a Db member is a typo, not a collection' },
  { input: `db.getSiblingDb('x')`, mongosh: `TypeError: db.getSiblingDb is not a function`, rotor: "did you mean 'getSiblingDB'?" },
  { input: `rs.status()`, mongosh: `MongoServerError: no such command: 'replSetGetStatus'`, rotor: `MongoServerError[CommandNotFound]: no such command: 'replSetGetStatus'` },
  { input: `sh.status()`, mongosh: 'Warning: MongoshWarning: [SHAPI-10003] You are not connected to a mongos.…\nMongoshInvalidInputError: [SHAPI-10003] This db does not have sharding enabled.…', rotor: `MongoServerError[CommandNotFound]: no such command: 'listShards'`, differs: "rotor asks the server (listShards) and shows its answer; mongosh checks for a mongos first" },
  { input: `show dbs`, mongosh: `$DB  ... KiB`, rotor: /^\$DB\s+\d+\.\d\d (B|KiB|MiB)$/m, shows: '$DB  40.00 KiB' },
  { input: `show collections`, mongosh: `people`, rotor: /^people$/m, shows: 'people' },
  { input: `show profile`, mongosh: "db.system.profile is empty.\nUse db.setProfilingLevel(2) will enable profiling.\nUse db.getCollection('system.profile').find() to show raw profile entries.", rotor: 'db.system.profile is empty.' },
  // ---- BSON and shell globals
  { input: `NumberLong('9007199254740993')`, mongosh: `Long('9007199254740993')`, rotor: `Long('9007199254740993')` },
  { input: `NumberInt(5)`, mongosh: `Int32(5)`, rotor: `Int32(5)` },
  { input: `NumberDecimal('1.5')`, mongosh: `Decimal128('1.5')`, rotor: `Decimal128('1.5')` },
  { input: `BinData(0, 'AQID')`, mongosh: `Binary.createFromBase64('AQID', 0)`, rotor: `Binary.createFromBase64('AQID', 0)` },
  { input: `HexData(0, '0102')`, mongosh: `Binary.createFromBase64('AQI=', 0)`, rotor: `Binary.createFromBase64('AQI=', 0)` },
  { input: `Code('function () {}')`, mongosh: `Code('function () {}')`, rotor: `Code('function () {}')` },
  { input: `DBRef('people', 1)`, mongosh: `DBRef('people', 1)`, rotor: `DBRef('people', 1)` },
  { input: `ObjectId('000000000000000000000000')`, mongosh: `ObjectId('000000000000000000000000')`, rotor: `ObjectId('000000000000000000000000')` },
  { input: `ISODate('2020-01-01T00:00:00Z')`, mongosh: `ISODate('2020-01-01T00:00:00.000Z')`, rotor: `ISODate('2020-01-01T00:00:00.000Z')` },
  { input: `EJSON.stringify({ a: NumberInt(1) })`, mongosh: `{"a":1}`, rotor: /^\{"a":1\}$/m, shows: '{"a":1}' },
  { input: `sleep(50); 'slept'`, mongosh: `slept`, rotor: /^slept$/m, shows: 'slept' },
  { input: `'text'`, mongosh: `text`, rotor: /^text$/m, shows: 'text' },
  { input: `print('a', 1, { b: 2 })`, mongosh: `a 1 { b: 2 }`, rotor: `a 1 { b: 2 }` },
  { input: `printjson({ a: Long('5') })`, mongosh: `{\n  a: Long('5')\n}`, rotor: `{ a: Long('5') }`, differs: 'printjson lays a short document out on one line, as results are' },
  { input: `print(db.people.find({}, { _id: 1 }))`, mongosh: `[ { _id: 1 } ]`, rotor: `[ { _id: 1 } ]` },
  { input: `x = { p: new Promise(() => {}) }`, mongosh: '{ p: Promise { <pending>, [Symbol(async_id_symbol)]: … } }', rotor: /^\{ p: Promise \{ <pending> \} \}$/m, shows: '{ p: Promise { <pending> } }', differs: "async_hooks' own symbols are not printed" },
  { input: `const c1 = 1\nconst c1 = 2\nc1`, mongosh: `2`, rotor: /^2$/m, shows: '2' },
  { input: `let l1 = 1\nlet l1 = 2\nl1`, mongosh: `2`, rotor: /^2$/m, shows: '2' },
  { input: `help`, mongosh: '(shell help)', rotor: 'find(filter, projection) and findOne(filter, projection)', differs: "rotor's own help text" },
  { input: `use other_$DB`, mongosh: `switched to db other_$DB`, rotor: 'switched to db other_$DB' },
  // ---- --eval, scripts, --json
  { via: 'eval', input: `db.people.find()`, mongosh: `[ { _id: 1, name: 'ada', age: 37 } ]`, rotor: `  { _id: 1, name: 'ada', age: 37 }` },
  { via: 'eval', input: `use other_$DB`, mongosh: `switched to db other_$DB`, rotor: 'switched to db other_$DB' },
  { via: 'eval', input: `db.getName()`, mongosh: `$DB`, rotor: /^\$DB$/m, shows: '$DB' },
  { via: 'eval', args: ['--json=relaxed'], input: `({ n: NumberLong('9007199254740993'), m: NumberLong('5') })`, mongosh: '{ "n": 9007199254740992, "m": 5 }', rotor: /"n": \{\s+"\$numberLong": "9007199254740993"\s+\},\s+"m": 5/, shows: '{ "n": { "$numberLong": "9007199254740993" }, "m": 5 }', differs: 'a Long beyond 2^53 stays exact (mongosh 2.x rounds it)' },
  { via: 'eval', args: ['--json=canonical'], input: `({ i: 1 })`, mongosh: '{ "i": { "$numberInt": "1" } }', rotor: /"i": \{\s+"\$numberInt": "1"\s+\}/, shows: '{ "i": { "$numberInt": "1" } }' },
  { via: 'script', input: `use other_$DB\nprint(db.getName())`, mongosh: `other_$DB`, rotor: /^other_\$DB$/m, shows: 'other_$DB' },
  { via: 'script', input: `const k = db.people.countDocuments()\nprint(k + 1)`, mongosh: `2`, rotor: /^2$/m, shows: '2' },
  { via: 'script', args: ['--framework', 'promise'], input: `db.un.insertOne({ _id: 1 })\ndb.un.insertOne({ _id: 1 })\nprint('end')`, mongosh: '(awaited implicitly) MongoServerError: E11000 duplicate key error …', rotor: /script\.js:\d: MongoServerError(\[DuplicateKey\])?: E11000/, shows: 'script.js:2: MongoServerError[DuplicateKey]: E11000 …', differs: 'under --framework promise an un-awaited call runs alongside the next line; its failure is reported at its line and exits 1' },
  // ---- the terminal
  { via: 'pty', input: `const t1 = 1\nconst t1 = 2\nt1`, mongosh: `2`, rotor: /\n2\r?\n/, shows: '2' },
  { via: 'pty', input: `db.people.countDocuments() * 10`, mongosh: `10`, rotor: /\n10\r?\n/, shows: '10' },
  { via: 'pty', input: `[1,\n2]\n\u001b[A`, mongosh: '[ 1, 2 ] recalled whole by ↑', rotor: /\[1, 2\]/, shows: 'the entry comes back as `[1, 2]`' },
];

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
const code = (text: string): string => (text.includes('`') ? `<code>${cell(text)}</code>` : `\`${cell(text)}\``);
const HOW = { stdin: 'prompt / stdin', eval: '--eval', script: 'script file', pty: 'terminal' } as const;

/** The README table of the rows (the spec checks README holds exactly this). */
export function habitsMarkdown(): string {
  const rows = HABITS.map((h, i) => {
    const shown = h.shows ?? String(h.rotor);
    const input = h.input.replace('\u001b[A', '↑ Enter');
    const args = h.args ? ` ${h.args.join(' ')}` : '';
    return `| ${i + 1} | ${HOW[h.via ?? 'stdin']}${args} | ${code(input)} | ${code(h.mongosh)} | ${code(shown)} | ${h.differs ? cell(h.differs) : '='} |`;
  });
  return ['| # | how | input | mongosh 2.x prints | rotor prints | difference |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
