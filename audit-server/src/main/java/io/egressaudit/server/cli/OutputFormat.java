package io.egressaudit.server.cli;

/** The {@code -o} formats, named as kubectl names its own. */
enum OutputFormat {
  json,
  jsonl,
  csv,
  table
}
