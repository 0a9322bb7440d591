package io.egressaudit.server.cli;

/** The {@code -o} formats of commands that print one document ({@code whois}, {@code sources}). */
enum DocumentFormat {
  json,
  table
}
