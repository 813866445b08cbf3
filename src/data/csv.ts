/**
 * The deliberately small CSV dialect of market files: one header line, comma-separated fields, no quoting, fields
 * trimmed, LF or CRLF line ends, an optional UTF-8 BOM, blank lines only at the end.
 */
import { DataFormatError } from "../errors";

export interface CsvColumns {
  readonly required: readonly string[];
  /** Columns that may follow the required ones (in this order); a row may leave them empty. */
  readonly optional?: readonly string[];
}

export interface CsvRow {
  /** 1-based data row number (the header is row 0). */
  readonly row: number;
  /** Every known column; a missing optional column is "". */
  readonly values: Readonly<Record<string, string>>;
}

export function parseCsv(file: string, text: string, columns: CsvColumns): CsvRow[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  if (lines.length === 0) throw new DataFormatError({ file, row: 0 }, "file is empty, expected a header line");
  const header = splitLine(file, 0, lines[0]!);
  checkHeader(file, header, columns);
  const all = [...columns.required, ...(columns.optional ?? [])];
  return lines.slice(1).map((line, k) => {
    const row = k + 1;
    const fields = splitLine(file, row, line);
    if (fields.length !== header.length) {
      throw new DataFormatError(
        { file, row, field: header[Math.min(fields.length, header.length - 1)] },
        `expected ${header.length} fields but found ${fields.length}`,
      );
    }
    const values: Record<string, string> = {};
    for (const name of all) values[name] = "";
    header.forEach((name, i) => (values[name] = fields[i]!));
    return { row, values };
  });
}

function splitLine(file: string, row: number, line: string): string[] {
  if (line.trim() === "") throw new DataFormatError({ file, row }, "blank line inside the file");
  if (line.includes('"')) throw new DataFormatError({ file, row }, "quoted fields are not supported");
  return line.split(",").map((f) => f.trim());
}

function checkHeader(file: string, header: readonly string[], columns: CsvColumns): void {
  const optional = columns.optional ?? [];
  const expected = [...columns.required, ...optional];
  const shown = `expected columns ${expected.join(",")}${optional.length > 0 ? ` (optional: ${optional.join(",")})` : ""}`;
  for (let i = 0; i < expected.length; i++) {
    const got = header[i];
    const want = expected[i]!;
    if (got === undefined && i >= columns.required.length) return;
    if (got !== want) {
      throw new DataFormatError({ file, row: 0, field: want }, `${shown}, found ${got === undefined ? "nothing" : JSON.stringify(got)} in column ${i + 1}`);
    }
  }
  if (header.length > expected.length) {
    throw new DataFormatError({ file, row: 0, field: header[expected.length] }, `${shown}, found an extra column`);
  }
}
