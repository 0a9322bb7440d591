package io.egressaudit.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one {@code serve} of a database: an OS lock ({@link FileChannel#tryLock}) on the sibling file
 * {@code <db>-serve.lock}, held while the server runs, so that a second {@code serve} on the same
 * file refuses to start rather than record hits and the same cluster's history beside the first
 * (the design has one writer). The lock file holds the holder's pid, for the refusal to name it.
 * The OS releases the lock when the process ends, also when it is killed: a lock file left behind
 * does not stop the next start. Commands that only read, {@code cluster import} and {@code prune}
 * do not take it, so they still run beside a server.
 */
public final class ServeLock implements AutoCloseable {

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private ServeLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** The lock file of a database: {@code <db>-serve.lock} beside it. */
  public static Path fileOf(Path database) {
    Path db = database.toAbsolutePath();
    return db.resolveSibling(db.getFileName() + "-serve.lock");
  }

  /**
   * Takes the lock of a database for this process, writing its pid into the lock file; nothing is
   * written to the database.
   *
   * @param database the database file (it need not exist yet)
   * @return the lock, held until {@link #close()} or the end of the process
   * @throws IllegalStateException with a one-line message naming the database and the pid of the
   *     {@code serve} that holds it, or why the lock file cannot be created
   */
  public static ServeLock acquire(Path database) {
    Path file = fileOf(database);
    FileChannel channel;
    try {
      // no TRUNCATE: the holder's pid must stay readable when the lock is refused
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      throw new IllegalStateException(
          "database " + database + ": cannot create the lock file " + file + ": no such directory",
          e);
    } catch (IOException e) {
      throw new IllegalStateException(
          "database " + database + ": cannot create the lock file " + file + ": " + e, e);
    }
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // a server of this very process holds it
      }
      if (lock == null) {
        String holder = holder(channel);
        channel.close();
        throw new IllegalStateException(
            "database "
                + database
                + " is in use by another egress-audit serve (pid "
                + holder
                + "; lock "
                + file
                + "): one database has one server; stop that one or give --db another file");
      }
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
      channel.force(false);
      return new ServeLock(file, channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new IllegalStateException(
          "database " + database + ": cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  /** The pid the lock file names, or {@code unknown} when it names none (being written). */
  private static String holder(FileChannel channel) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(32);
    channel.read(b, 0);
    String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
    return pid.matches("\\d+") ? pid : "unknown";
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // the refusal or failure is what is reported
    }
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  /** Releases the lock; the file stays (removing it would let two servers lock two files). */
  @Override
  public void close() {
    if (!channel.isOpen()) {
      return;
    }
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }

  /**
   * Removes the lock file of a database this process created and removed again after a failed start
   * (nothing left where there was nothing), once the lock is released.
   */
  public static void deleteFileOf(Path database) {
    try {
      Files.deleteIfExists(fileOf(database));
    } catch (IOException ignored) {
      // a lock file left behind stops nothing
    }
  }
}
