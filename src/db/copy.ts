import type { Client } from './pool.ts';

/**
 * Rows for a staging table whose columns are all `text`, written once and loaded the cheapest way
 * the store allows: `COPY … FROM STDIN (FORMAT binary)` on a PostgreSQL server, an insert from
 * `unnest` of text arrays on PGlite (whose pg adapter cannot stream COPY data). Text columns cast
 * in SQL afterwards run the same input functions as any other parameter would, so what the
 * database accepts or refuses does not depend on the way the rows came.
 */
export interface TextRows {
  /** Starts a row; its `columns` values follow, in order. */
  row(): void;
  /** A value; null and undefined are SQL NULL. */
  text(value: string | null | undefined): void;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
// A protocol message's type byte and 32-bit length.
const FRAME = 5;
// Values up to this many characters are copied byte by byte when they are ASCII.
const SHORT = 96;

/**
 * The binary COPY format: a header, then per row a 16-bit field count and, per field, a 32-bit
 * length (-1 for NULL) and the bytes; a trailer of -1. Text goes in as UTF-8 with no escaping,
 * which is what makes it cheap on both sides: nothing to escape here, nothing to unescape there.
 * The buffer keeps room for the protocol's framing (a CopyData message around the rows, a
 * CopyDone after), so that the whole of it goes to the socket in one write, uncopied.
 */
export class BinaryCopyRows implements TextRows {
  private buf: Buffer;
  private at: number;
  count = 0;

  constructor(private readonly columns: number, sizeHint = 1 << 16) {
    this.buf = Buffer.allocUnsafe(Math.max(sizeHint, 64));
    SIGNATURE.copy(this.buf, FRAME);
    this.buf.writeInt32BE(0, FRAME + 11); // flags
    this.buf.writeInt32BE(0, FRAME + 15); // header extension length
    this.at = FRAME + 19;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  row(): void {
    this.room(2);
    this.buf[this.at] = this.columns >>> 8;
    this.buf[this.at + 1] = this.columns & 0xff;
    this.at += 2;
    this.count += 1;
  }

  text(value: string | null | undefined): void {
    if (value === null || value === undefined) {
      this.room(4);
      this.buf.writeInt32BE(-1, this.at);
      this.at += 4;
      return;
    }
    // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a surrogate pair, 2 units, takes 4).
    this.room(4 + value.length * 3);
    const buf = this.buf;
    const start = this.at + 4;
    let bytes = -1;
    if (value.length <= SHORT) {
      // Most values are short and ASCII (keys, names, times): copied here, they skip a call into
      // the runtime that costs more than the copy.
      let i = 0;
      for (; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === value.length) bytes = i;
    }
    if (bytes < 0) bytes = buf.write(value, start, 'utf8');
    const at = this.at;
    buf[at] = bytes >>> 24;
    buf[at + 1] = (bytes >>> 16) & 0xff;
    buf[at + 2] = (bytes >>> 8) & 0xff;
    buf[at + 3] = bytes & 0xff;
    this.at = start + bytes;
  }

  /** The rows as protocol messages: CopyData holding them and the trailer, then CopyDone. */
  messages(): Buffer {
    this.room(2 + FRAME);
    this.buf.writeInt16BE(-1, this.at);
    this.at += 2;
    this.buf.write('d', 0, 'latin1');
    this.buf.writeInt32BE(this.at - 1, 1); // the length counts itself, not the type byte
    this.buf.write('c', this.at, 'latin1');
    this.buf.writeInt32BE(4, this.at + 1);
    return this.buf.subarray(0, this.at + FRAME);
  }
}

/** The same rows as one text array per column, for `unnest($1::text[], $2::text[], …)`. */
export class ColumnArrays implements TextRows {
  readonly arrays: (string | null)[][];
  private column = 0;
  count = 0;

  constructor(columns: number) {
    this.arrays = Array.from({ length: columns }, () => []);
  }

  row(): void {
    this.column = 0;
    this.count += 1;
  }

  text(value: string | null | undefined): void {
    this.arrays[this.column++]?.push(value ?? null);
  }
}

/**
 * Runs `sql` (a `copy … from stdin (format binary)`) on `client` with `rows` as its data, as one
 * more query in the client's queue. Errors come back with their SQLSTATE like any other query's,
 * so that a refused row can be told from a store that is unwell.
 */
export function copyFrom(client: Client, sql: string, rows: BinaryCopyRows): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // A submittable, as pg calls an object that drives the protocol itself (pg-copy-streams is
    // one): pg hands it the connection when its turn comes, and the backend's messages after.
    const submittable = {
      submit(connection: { query(text: string): void }) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: { stream: { write(data: Buffer): boolean } }) {
        connection.stream.write(rows.messages());
      },
      handleCommandComplete() {},
      handleReadyForQuery() {
        resolve();
      },
      handleError(err: Error) {
        reject(err);
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
      callback() {},
    };
    void (client as unknown as { query(q: typeof submittable): unknown }).query(submittable);
  });
}

/** Loads `rows` (as written for `columns` text columns) into the temporary table `table`. */
export async function loadTextRows(client: Client, table: string, columns: string[], rows: TextRows): Promise<void> {
  if (rows instanceof BinaryCopyRows) {
    if (rows.count > 0) await copyFrom(client, `copy ${table} (${columns.join(', ')}) from stdin (format binary)`, rows);
    return;
  }
  if (!(rows instanceof ColumnArrays)) throw new Error('rows written for neither COPY nor unnest');
  if (rows.count === 0) return;
  await client.query(
    `insert into ${table} (${columns.join(', ')}) select * from unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')})`,
    rows.arrays,
  );
}

/** Rows to write for `columns` text columns, in the form `copy` says the store takes. */
export function textRows(copy: boolean, columns: number, sizeHint?: number): TextRows {
  return copy ? new BinaryCopyRows(columns, sizeHint) : new ColumnArrays(columns);
}
