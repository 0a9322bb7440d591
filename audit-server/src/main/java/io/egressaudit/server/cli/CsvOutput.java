package io.egressaudit.server.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;

/**
 * The {@code -o csv} of the commands ({@code hits}, {@code sources}): a header row, then one row
 * per item, quoted as RFC 4180 says (Jackson's CSV writer: a cell with a comma, quote or line break
 * is quoted, quotes doubled), every text cell guarded by {@link #cell}.
 */
final class CsvOutput {

  private static final CsvMapper CSV = new CsvMapper();

  private CsvOutput() {}

  /**
   * Writes a table as CSV.
   *
   * @param columns the header row, in order
   * @param rows the cells of each row, in column order: text (guarded by {@link #cell}), numbers,
   *     or null (an empty cell)
   * @return the CSV text, each row ending in a line break
   * @throws IllegalArgumentException when a row has another number of cells than there are columns
   */
  static String write(List<String> columns, List<? extends List<?>> rows) {
    CsvSchema.Builder schema = CsvSchema.builder();
    columns.forEach(schema::addColumn);
    List<Map<String, Object>> maps =
        rows.stream()
            .map(
                row -> {
                  if (row.size() != columns.size()) {
                    throw new IllegalArgumentException(
                        row.size() + " cells for " + columns.size() + " columns");
                  }
                  Map<String, Object> m = new LinkedHashMap<>();
                  for (int i = 0; i < columns.size(); i++) {
                    Object v = row.get(i);
                    m.put(columns.get(i), v instanceof String s ? cell(s) : v);
                  }
                  return m;
                })
            .toList();
    return CSV.writer(schema.build().withHeader()).writeValueAsString(maps);
  }

  /**
   * A text cell a spreadsheet shows as text, as OWASP's CSV injection advice has it: a value that
   * starts with {@code = + - @}, tab or CR (a formula to Excel, LibreOffice and Google Sheets) gets
   * a leading {@code '}; control characters (C0, DEL, C1) are written as {@code \xNN}, so no raw
   * escape sequence or line break reaches a terminal or another tool. Clients choose paths, user
   * agents and probe ids.
   *
   * @return the cell, or null for null
   */
  static String cell(String value) {
    if (value == null || value.isEmpty()) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 1);
    if ("=+-@\t\r".indexOf(value.charAt(0)) >= 0) {
      out.append('\'');
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
