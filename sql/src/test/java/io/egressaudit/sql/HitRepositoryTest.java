package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HitRepositoryTest {

  @TempDir Path dir;

  private Database db;
  private HitRepository hits;

  @BeforeEach
  void open() {
    db = Database.at(dir.resolve("hits.db"));
    hits = new HitRepository(db);
  }

  static HitRecord hit(long at, String ip, String probe) {
    return new HitRecord(
        at,
        ip,
        40000,
        8080,
        "GET",
        probe == null ? "/" : "/probe/" + probe,
        "bastion:8080",
        "curl/8.5.0",
        probe,
        null,
        "HTTP/1.1",
        null,
        null);
  }

  static HitRecord logLine(String origin, int line, long at, String ip) {
    return new HitRecord(
        at,
        ip,
        null,
        null,
        "GET",
        "/line/" + line,
        null,
        "Mozilla/5.0",
        null,
        null,
        "HTTP/1.1",
        origin,
        line);
  }

  private List<HitRecord> found(HitQuery q) {
    return hits.find(q).stream().map(StoredHit::hit).toList();
  }

  @Test
  void readersKeptOpenSeeEveryCommitAndAreClosedWithTheRepository() {
    HitRepository kept = new HitRepository(db, 2);
    hits.insertAll(List.of(hit(1_000, "192.168.126.100", null)));
    HitRepository.Reader first = kept.reader();
    assertThat(first.find(HitQuery.all(10))).hasSize(1);
    first.close();

    hits.insertAll(List.of(hit(2_000, "192.168.126.101", null)));
    HitRepository.Reader again = kept.reader();
    assertThat(again).as("the reader closed last is kept and handed out again").isSameAs(first);
    assertThat(again.find(HitQuery.all(10))).as("a commit made while it was kept").hasSize(2);
    HitRepository.Reader second = kept.reader();
    assertThat(second).as("a reader in use is not handed out twice").isNotSameAs(again);
    hits.insertAll(List.of(hit(3_000, "192.168.126.102", null)));
    assertThat(second.find(HitQuery.all(10))).hasSize(3);
    second.close();
    again.close();

    kept.close();
    HitRepository.Reader afterClose = kept.reader();
    assertThat(afterClose).isNotSameAs(first).isNotSameAs(second);
    afterClose.close();
    assertThat(kept.reader()).as("nothing is kept once closed").isNotSameAs(afterClose);

    HitRepository.Reader oneShot = hits.reader();
    oneShot.close();
    assertThat(hits.reader()).as("a repository keeping none").isNotSameAs(oneShot);
  }

  @Test
  void emptyDatabaseHasNoHits() {
    assertThat(hits.count()).isZero();
    assertThat(hits.find(HitQuery.all(10))).isEmpty();
  }

  @Test
  void findFiltersBySinceUntilIpProbeAfterIdAndLimit() {
    List<HitRecord> all =
        List.of(
            hit(1_000, "192.168.126.100", null),
            hit(2_000, "192.168.126.101", "p-1"),
            hit(3_000, "192.168.126.100", "p-2"),
            hit(4_000, "2001:db8::1", "p-1"),
            hit(5_000, "192.168.126.100", null),
            hit(5_000, "192.168.126.101", "p-2"));
    assertThat(hits.insertAll(all)).isEqualTo(6);
    assertThat(hits.count()).isEqualTo(6);

    List<StoredHit> everything = hits.find(HitQuery.all(100));
    assertThat(everything).extracting(StoredHit::hit).containsExactlyElementsOf(all);
    assertThat(everything).extracting(StoredHit::id).isSorted().doesNotHaveDuplicates();

    // since inclusive, until exclusive
    assertThat(found(new HitQuery(2_000, 5_000, null, null, 0, 100)))
        .containsExactly(all.get(1), all.get(2), all.get(3));
    assertThat(found(new HitQuery(5_000, Long.MAX_VALUE, null, null, 0, 100)))
        .containsExactly(all.get(4), all.get(5));
    assertThat(found(new HitQuery(Long.MIN_VALUE, 1_000, null, null, 0, 100))).isEmpty();
    assertThat(found(new HitQuery(3_000, 3_000, null, null, 0, 100))).isEmpty();

    // ip
    assertThat(found(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, "192.168.126.100", null, 0, 100)))
        .containsExactly(all.get(0), all.get(2), all.get(4));
    assertThat(found(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, "2001:db8::1", null, 0, 100)))
        .containsExactly(all.get(3));
    assertThat(found(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, "198.51.100.7", null, 0, 100)))
        .isEmpty();

    // probe
    assertThat(found(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, "p-1", 0, 100)))
        .containsExactly(all.get(1), all.get(3));

    // ip, probe and time together
    assertThat(found(new HitQuery(2_500, 6_000, "192.168.126.101", "p-2", 0, 100)))
        .containsExactly(all.get(5));

    // limit and keyset paging with afterId
    HitQuery page = HitQuery.all(4);
    List<StoredHit> first = hits.find(page);
    assertThat(first).extracting(StoredHit::hit).containsExactlyElementsOf(all.subList(0, 4));
    List<StoredHit> second = hits.find(page.after(first.get(3).id()));
    assertThat(second).extracting(StoredHit::hit).containsExactlyElementsOf(all.subList(4, 6));
    assertThat(hits.find(page.after(second.get(1).id()))).isEmpty();

    HitQuery ipPage = new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, "192.168.126.100", null, 0, 1);
    List<HitRecord> paged = new ArrayList<>();
    long after = 0;
    while (true) {
      List<StoredHit> p = hits.find(ipPage.after(after));
      if (p.isEmpty()) {
        break;
      }
      assertThat(p).hasSize(1);
      paged.add(p.get(0).hit());
      after = p.get(0).id();
    }
    assertThat(paged).containsExactly(all.get(0), all.get(2), all.get(4));
  }

  @Test
  void queryBoundsAreChecked() {
    assertThatThrownBy(() -> HitQuery.all(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HitQuery(2, 1, null, null, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void insertAllIsIdempotentForTheSameOriginAndLine() {
    List<HitRecord> log =
        List.of(
            logLine("/var/log/httpd/access_log", 1, 1_000, "192.168.126.100"),
            logLine("/var/log/httpd/access_log", 2, 2_000, "192.168.126.101"),
            logLine("/var/log/httpd/access_log", 3, 3_000, "192.168.126.100"));

    assertThat(hits.insertAll(log)).isEqualTo(3);
    assertThat(hits.insertAll(log)).as("same file again").isZero();
    assertThat(hits.count()).isEqualTo(3);

    // a longer version of the same file adds only its new lines; a line already stored wins
    List<HitRecord> longer = new ArrayList<>(log);
    longer.set(0, logLine("/var/log/httpd/access_log", 1, 9_999, "10.0.0.9"));
    longer.add(logLine("/var/log/httpd/access_log", 4, 4_000, "192.168.126.102"));
    assertThat(hits.insertAll(longer)).isEqualTo(1);
    assertThat(found(HitQuery.all(100)))
        .containsExactly(log.get(0), log.get(1), log.get(2), longer.get(3));

    // the same line number of another file is another hit
    assertThat(
            hits.insertAll(
                List.of(logLine("/var/log/nginx/access.log", 1, 1_000, "192.168.126.100"))))
        .isEqualTo(1);
    // duplicates within one call count once
    assertThat(
            hits.insertAll(
                List.of(
                    logLine("/var/log/nginx/access.log", 2, 2_000, "192.168.126.100"),
                    logLine("/var/log/nginx/access.log", 2, 2_000, "192.168.126.100"))))
        .isEqualTo(1);
    assertThat(hits.count()).isEqualTo(6);
  }

  @Test
  void hitsWithoutOriginAreNeverDeduplicated() {
    HitRecord h = hit(1_000, "192.168.126.100", null);

    assertThat(hits.insertAll(List.of(h, h))).isEqualTo(2);
    assertThat(hits.insertAll(List.of(h))).isEqualTo(1);
    assertThat(hits.count()).isEqualTo(3);
  }

  @Test
  void insertAllBoundsText() {
    String longPath = "/" + "a".repeat(HitRecord.MAX_PATH * 2);
    HitRecord h =
        new HitRecord(
            1,
            "192.0.2.1",
            null,
            null,
            "GET",
            longPath,
            null,
            "u".repeat(5000),
            null,
            null,
            null,
            "f",
            1);

    hits.insertAll(List.of(h));

    HitRecord stored = found(HitQuery.all(1)).get(0);
    assertThat(stored.path())
        .hasSize(HitRecord.MAX_PATH)
        .isEqualTo(longPath.substring(0, HitRecord.MAX_PATH));
    assertThat(stored.userAgent()).hasSize(HitRecord.MAX_HEADER);
    assertThat(stored).isEqualTo(h.bounded());
  }

  @Test
  void insertAllOfNothingInsertsNothing() {
    assertThat(hits.insertAll(List.of())).isZero();
    assertThat(hits.count()).isZero();
  }
}
