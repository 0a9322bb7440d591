package io.egressaudit.sql;

/**
 * A hit read back from the database.
 *
 * @param id the row id: increases with every hit written
 * @param hit the recorded fields
 */
public record StoredHit(long id, HitRecord hit) {}
