package io.egressaudit.server.cli;

/**
 * The {@code -o} formats of commands that print one document whose heart is a list a firewall team
 * exports ({@code sources}): the document as JSON, the list as a table, or the list as CSV ({@link
 * CsvOutput}; the document's notes then go to stderr).
 */
enum ListFormat {
  json,
  table,
  csv
}
