package io.egressaudit.controller.informer;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChangeQueueTest {

  static final ObjectRef HOMER = new ObjectRef(ObjectKind.POD, "simpson", "homer");
  static final ObjectRef MARGE = new ObjectRef(ObjectKind.POD, "simpson", "marge");
  static final ObjectRef EIP = new ObjectRef(ObjectKind.EGRESS_IP, "", "egressip-demo");
  static final Instant T = Instant.parse("2021-11-26T18:02:00Z");

  private final ChangeQueue queue = new ChangeQueue();

  @Test
  void repeatedEventsForOneObjectWaitOnceWithTheLatestTimeInFirstArrivalOrder() throws Exception {
    queue.offer(HOMER, T);
    queue.offer(EIP, T.plusMillis(1));
    queue.offer(HOMER, T.plusMillis(2));

    assertThat(queue.size()).isEqualTo(2);
    assertThat(queue.take(10))
        .containsExactly(Map.entry(HOMER, T.plusMillis(2)), Map.entry(EIP, T.plusMillis(1)));
    assertThat(queue.size()).isZero();
  }

  @Test
  void takeReturnsAtMostTheBatchSize() throws Exception {
    queue.offer(HOMER, T);
    queue.offer(MARGE, T);
    queue.offer(EIP, T);

    assertThat(queue.take(2).keySet()).containsExactly(HOMER, MARGE);
    assertThat(queue.take(2).keySet()).containsExactly(EIP);
  }

  @Test
  void keysPutBackAfterAFailedWriteKeepALaterEventsTime() throws Exception {
    queue.offer(HOMER, T);
    Map<ObjectRef, Instant> batch = queue.take(10);
    queue.offer(HOMER, T.plusSeconds(1));

    queue.retry(batch);

    assertThat(queue.take(10)).containsExactly(Map.entry(HOMER, T.plusSeconds(1)));
  }

  @Test
  void takeWaitsForAnOfferAndCloseWakesItEmpty() throws Exception {
    CompletableFuture<Map<ObjectRef, Instant>> first =
        CompletableFuture.supplyAsync(() -> take(queue));
    queue.offer(EIP, T);
    assertThat(first.get(10, TimeUnit.SECONDS)).containsOnlyKeys(EIP);

    CompletableFuture<Map<ObjectRef, Instant>> second =
        CompletableFuture.supplyAsync(() -> take(queue));
    queue.close();
    assertThat(second.get(10, TimeUnit.SECONDS)).isEmpty();
    queue.offer(HOMER, T);
    assertThat(queue.size()).as("offers after close are ignored").isZero();
    assertThat(queue.awaitClosed(Duration.ofDays(1))).isTrue();
  }

  @Test
  void keysWaitWhileARelistIsPendingSoTheRelistIsRecordedFirst() throws Exception {
    ChangeQueue.Relist relist =
        new ChangeQueue.Relist(ObjectKind.POD, Set.of(HOMER), T.plusSeconds(1), null);
    queue.offerRelist(relist);
    queue.offer(HOMER, T.plusSeconds(2)); // an event of the new watch, after the relist

    assertThat(queue.take(10, Duration.ofDays(1))).as("returns at once, empty").isEmpty();
    assertThat(queue.pollRelist()).isEqualTo(relist);
    assertThat(queue.pollRelist()).isNull();
    assertThat(queue.take(10, Duration.ofDays(1)))
        .containsExactly(Map.entry(HOMER, T.plusSeconds(2)));
  }

  @Test
  void aRelistPutBackAfterAFailedWriteIsTakenBeforeLaterOnes() {
    ChangeQueue.Relist pods = new ChangeQueue.Relist(ObjectKind.POD, Set.of(HOMER), T, null);
    ChangeQueue.Relist eips =
        new ChangeQueue.Relist(ObjectKind.EGRESS_IP, Set.of(EIP), T.plusSeconds(1), null);
    queue.offerRelist(pods);
    queue.offerRelist(eips);

    ChangeQueue.Relist taken = queue.pollRelist();
    queue.retryRelist(taken);

    assertThat(queue.pollRelist()).isEqualTo(pods);
    assertThat(queue.pollRelist()).isEqualTo(eips);
  }

  @Test
  void awaitClosedTimesOutWhileOpen() throws Exception {
    assertThat(queue.awaitClosed(Duration.ofMillis(20))).isFalse();
  }

  private static Map<ObjectRef, Instant> take(ChangeQueue q) {
    try {
      return q.take(10);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
