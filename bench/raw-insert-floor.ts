import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * The storage floor: the same JSON inserted raw into the same engine, one row per transaction,
 * with the same durability settings. Our creates also validate, index and keep history.
 */
export function sqliteInsertFloor(path: string, json: string, synchronous: string, seconds: number): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, content TEXT)');
  const insert = db.prepare('INSERT INTO floor (content) VALUES (?)');
  const until = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < until) {
    db.transaction(() => insert.run(json)).immediate();
    n++;
  }
  db.close();
  return n / seconds;
}

export async function postgresInsertFloor(url: string, json: string, connections: number, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  await pool.query('CREATE TABLE IF NOT EXISTS floor (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, content TEXT)');
  const until = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < until) {
      await pool.query('INSERT INTO floor (content) VALUES ($1)', [json]);
      n++;
    }
  }));
  await pool.end();
  return n / seconds;
}
