package io.egressaudit.sql;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * Opens connections to the egress-audit SQLite file: WAL mode (readers never block the writer), a
 * busy timeout instead of immediate lock errors, and the schema migrated on first open.
 */
public final class Database {

  /** How a commit reaches the disk; see SQLite's {@code PRAGMA synchronous}. */
  public enum Durability {
    /** fsync at every commit: a 200 survives a power cut. The default. */
    FULL,
    /** fsync at checkpoints only: a 200 survives a crash of egress-audit, not of the machine. */
    NORMAL
  }

  /** One fair lock per database file for the writers of this process; see {@link #writeLock()}. */
  private static final ConcurrentHashMap<Path, ReentrantLock> WRITE_LOCKS =
      new ConcurrentHashMap<>();

  private final Path file;
  private final Durability durability;
  private final int busyTimeoutMillis;
  private final long maxBytes;

  /**
   * Describes a database file with no size cap; nothing is opened yet.
   *
   * @param file the SQLite file; created with its schema on first open
   * @param durability the {@code synchronous} level of connections that write
   * @param busyTimeoutMillis how long a statement waits for another connection's lock, in ms
   */
  public Database(Path file, Durability durability, int busyTimeoutMillis) {
    this(file, durability, busyTimeoutMillis, 0);
  }

  /**
   * Describes a database file; nothing is opened yet.
   *
   * @param file the SQLite file; created with its schema on first open
   * @param durability the {@code synchronous} level of connections that write
   * @param busyTimeoutMillis how long a statement waits for another connection's lock, in ms
   * @param maxBytes the largest the main file may grow, in bytes ({@code PRAGMA max_page_count}); 0
   *     for no cap. A write that needs more fails with SQLITE_FULL (the listener answers 503) until
   *     retention frees pages.
   */
  public Database(Path file, Durability durability, int busyTimeoutMillis, long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative");
    }
    this.file = file.toAbsolutePath();
    this.durability = durability;
    this.busyTimeoutMillis = busyTimeoutMillis;
    this.maxBytes = maxBytes;
  }

  /** A database with {@link Durability#FULL} and a 5 s busy timeout. */
  public static Database at(Path file) {
    return new Database(file, Durability.FULL, 5000);
  }

  /** The file's absolute path. */
  public Path file() {
    return file;
  }

  /**
   * The lock that writers of this process hold around each write transaction on this file. SQLite's
   * busy handler is not fair: a writer that commits back to back (the hit writer under load) can
   * keep another connection waiting past its busy timeout. Taking this fair lock first makes the
   * writers of this process take turns; writers in other processes still rely on the busy timeout.
   */
  ReentrantLock writeLock() {
    return WRITE_LOCKS.computeIfAbsent(file.normalize(), f -> new ReentrantLock(true));
  }

  /**
   * Opens the file, creating it and migrating its schema when needed, checks that it can be written
   * (a write transaction begun, a write made and rolled back), and closes it again: the start-up
   * check of a process that writes, such as {@code serve}, which would otherwise start on a file it
   * cannot write and refuse every hit.
   *
   * @throws DatabaseException naming the file when it cannot be created, opened, migrated or
   *     written, or was written by a newer egress-audit
   */
  public void migrate() {
    try (Connection c = open(false)) {
      Migrations.apply(c);
      checkWritable(c);
    } catch (SQLException e) {
      throw new DatabaseException("cannot prepare database " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Begins a write transaction, rewrites the schema version with its own value and rolls back:
   * SQLite opens a file it may not write read-only without a word, and says so only at the first
   * write.
   */
  private void checkWritable(Connection c) {
    try (Statement st = c.createStatement()) {
      int version = Migrations.version(c);
      // not waiting for another writer (a cluster import): SQLite says read-only before it locks
      st.execute("PRAGMA busy_timeout = 0");
      try {
        st.execute("BEGIN IMMEDIATE");
        try {
          st.execute("PRAGMA user_version = " + version);
        } finally {
          st.execute("ROLLBACK");
        }
      } finally {
        st.execute("PRAGMA busy_timeout = " + busyTimeoutMillis);
      }
    } catch (SQLException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("SQLITE_BUSY")) {
        return; // another connection holds the write lock: the file is writable
      }
      if (m.contains("SQLITE_READONLY") || m.contains("readonly")) {
        throw new DatabaseException(
            "database "
                + file
                + " cannot be written (opened read-only: the file, its -wal or -shm, or its"
                + " directory is not writable by this user); egress-audit records every hit and"
                + " cluster change in it: give this user write access, or give another --db",
            e);
      }
      throw new DatabaseException("cannot write database " + file + ": " + m, e);
    }
  }

  /**
   * Deletes the file, with its {@code -wal} and {@code -shm}, when no table in it holds a row: for
   * a command that created the database and failed before recording anything (a {@code serve} whose
   * port is taken), so that no empty file is left where there was none. Call it only on a file this
   * process created and no longer uses.
   *
   * @return true when the file was deleted; false when a table holds a row or the file is gone
   * @throws DatabaseException naming the file when it cannot be read or deleted
   */
  public boolean deleteIfEmpty() {
    if (!java.nio.file.Files.exists(file)) {
      return false;
    }
    try (Connection c = open(true)) {
      java.util.List<String> tables = new java.util.ArrayList<>();
      try (java.sql.Statement st = c.createStatement();
          java.sql.ResultSet rs =
              st.executeQuery(
                  "SELECT name FROM sqlite_master WHERE type = 'table'"
                      + " AND name NOT LIKE 'sqlite_%'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String table : tables) {
        try (java.sql.Statement st = c.createStatement();
            java.sql.ResultSet rs =
                st.executeQuery("SELECT 1 FROM \"" + table.replace("\"", "\"\"") + "\" LIMIT 1")) {
          if (rs.next()) {
            return false;
          }
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read database " + file + ": " + e.getMessage(), e);
    }
    try {
      for (String suffix : new String[] {"-wal", "-shm", ""}) {
        java.nio.file.Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
      }
      return true;
    } catch (java.io.IOException e) {
      throw new DatabaseException("cannot delete empty database " + file + ": " + e, e);
    }
  }

  /**
   * Opens a connection for writing (auto-commit on).
   *
   * @throws DatabaseException naming the file when it cannot be opened
   */
  public Connection openWriter() {
    try {
      Connection c = open(false);
      Migrations.apply(c);
      return c;
    } catch (SQLException e) {
      throw new DatabaseException("cannot open database " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens a connection that only reads ({@code PRAGMA query_only}).
   *
   * @throws DatabaseException naming the file when it cannot be opened
   */
  public Connection openReader() {
    try {
      Connection c = open(true);
      if (Migrations.version(c) < Migrations.latestVersion()) {
        c.close();
        migrate();
        c = open(true);
      }
      return c;
    } catch (SQLException e) {
      throw new DatabaseException("cannot open database " + file + ": " + e.getMessage(), e);
    }
  }

  private Connection open(boolean readOnly) throws SQLException {
    Path dir = file.getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new SQLException("directory " + dir + " does not exist");
    }
    if (Files.isDirectory(file)) {
      throw new SQLException("it is a directory");
    }
    boolean fresh = !Files.exists(file) || file.toFile().length() == 0;
    SQLiteConfig config = new SQLiteConfig();
    config.setSynchronous(
        durability == Durability.FULL
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(busyTimeoutMillis);
    config.enforceForeignKeys(true);
    Connection c;
    try {
      c = config.createConnection("jdbc:sqlite:" + file);
    } catch (SQLException e) {
      throw explained(e);
    }
    try (var st = c.createStatement()) {
      // auto_vacuum before journal_mode, on a new file only: it takes effect when the file is first
      // written (pruned hits then give their pages back, see HitRetention). Set after WAL it would
      // need a VACUUM, which races with other openers; on an existing file it would only wait for
      // the write lock.
      if (fresh) {
        st.execute("PRAGMA auto_vacuum = INCREMENTAL");
      }
      useWal(st);
      try (var rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
        rs.next();
      }
      checkSchemaKnown(Migrations.version(c));
      if (readOnly) {
        st.execute("PRAGMA query_only = 1");
      } else if (maxBytes > 0) {
        long pageSize;
        try (var rs = st.executeQuery("PRAGMA page_size")) {
          pageSize = rs.next() ? rs.getLong(1) : 4096;
        }
        st.execute("PRAGMA max_page_count = " + Math.max(1, maxBytes / pageSize));
      }
    } catch (SQLException e) {
      c.close();
      throw explained(e);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Refuses a schema version this build cannot read: newer than {@link Migrations#latestVersion()}
   * (a newer egress-audit wrote it; its tables may mean something else) or negative (no
   * egress-audit writes one).
   *
   * @throws DatabaseException naming the file and the version
   */
  private void checkSchemaKnown(int version) {
    int latest = Migrations.latestVersion();
    if (version > latest) {
      throw new DatabaseException(
          "database "
              + file
              + " was written by a newer egress-audit (schema "
              + version
              + ", this one knows up to "
              + latest
              + "): upgrade egress-audit, or give another --db",
          null);
    }
    if (version < 0) {
      throw new DatabaseException(
          "database "
              + file
              + " has schema version "
              + version
              + ", which no egress-audit writes (0 to "
              + latest
              + "): it is not an egress-audit database, or PRAGMA user_version was changed by"
              + " hand",
          null);
    }
  }

  /**
   * Says why SQLite could not open or read the file where its message does not: a database in WAL
   * mode is read through its {@code -shm} and {@code -wal} files, which even a reader creates
   * beside it when they do not exist, so a reader needs a writable directory.
   */
  private SQLException explained(SQLException e) {
    String m = String.valueOf(e.getMessage());
    Path dir = file.getParent();
    if (dir != null
        && (m.contains("SQLITE_READONLY_DIRECTORY")
            || (m.contains("SQLITE_CANTOPEN") && !Files.isWritable(dir)))) {
      return new SQLException(
          "the directory "
              + dir
              + " is read-only for this user, and SQLite creates "
              + file.getFileName()
              + "-shm and -wal there even to read a database in WAL mode (they are missing"
              + " now: no egress-audit has it open); run as a user who may write "
              + dir
              + ", or copy the database to a writable directory",
          e);
    }
    return e;
  }

  /**
   * Puts the file in WAL mode unless it already is. Converting takes an exclusive lock that SQLite
   * does not wait for with the busy handler, so openers racing on a new file retry within the busy
   * timeout.
   */
  private void useWal(Statement st) throws SQLException {
    long deadline = System.nanoTime() + busyTimeoutMillis * 1_000_000L;
    while (true) {
      try {
        try (var rs = st.executeQuery("PRAGMA journal_mode")) {
          if (rs.next() && "wal".equalsIgnoreCase(rs.getString(1))) {
            return;
          }
        }
        st.execute("PRAGMA journal_mode = WAL");
        return;
      } catch (SQLException e) {
        boolean busy = e.getMessage() != null && e.getMessage().contains("SQLITE_BUSY");
        if (!busy || System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(5_000_000L);
      }
    }
  }
}
