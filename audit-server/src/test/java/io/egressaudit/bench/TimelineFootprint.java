package io.egressaudit.bench;

import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.PodState;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryLoader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What the timelines of a generated history cost in heap, and what a history with more pod
 * intervals than was generated would: loads every interval as the server does at start, then adds
 * {@code --copies} time-shifted copies of every pod interval (each copy a period later, so that it
 * is appended as live history is; pods renamed), and prints the heap used after a full GC at each
 * step. Not a test; run it with {@code -Xmx512m} to see whether the size fits.
 *
 * <pre>
 * TimelineFootprint --db FILE [--copies 1]
 * </pre>
 */
public final class TimelineFootprint {

  private TimelineFootprint() {}

  public static void main(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i], args[i + 1]);
    }
    int copies = Integer.parseInt(o.getOrDefault("--copies", "1"));
    Database db = new Database(Path.of(o.get("--db")), Database.Durability.NORMAL, 30_000);
    Map<String, AttributionTimeline> timelines = new HashMap<>();
    long[] count = {0, 0, Long.MAX_VALUE, Long.MIN_VALUE};
    long t0 = System.nanoTime();
    long through =
        HistoryLoader.load(
            db,
            null,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            (cluster, rowId, state, from, to) -> {
              timelines
                  .computeIfAbsent(cluster, AttributionTimeline::new)
                  .add(rowId, state, from, to);
              count[0]++;
              if (state instanceof PodState) {
                count[1]++;
              }
              count[2] = Math.min(count[2], from);
              count[3] = Math.max(count[3], from);
            });
    System.out.printf(
        "loaded %d intervals (%d of pods) in %d ms; heap used after GC %d MB%n",
        count[0], count[1], (System.nanoTime() - t0) / 1_000_000, heapAfterGc());
    long period = Math.max(Duration.ofDays(1).toMillis(), count[3] - count[2] + 1);
    for (int k = 1; k <= copies; k++) {
      long shift = k * period;
      String suffix = "-c" + k;
      long[] row = {through + k * count[0]};
      HistoryLoader.load(
          db,
          null,
          Long.MIN_VALUE,
          Long.MAX_VALUE,
          (cluster, rowId, state, from, to) -> {
            if (state instanceof PodState p) {
              PodState renamed =
                  new PodState(
                      p.namespace(),
                      p.name() + suffix,
                      p.nodeName(),
                      p.podIps(),
                      p.hostNetwork(),
                      p.labels(),
                      p.phase());
              long end = to == AttributionTimeline.OPEN ? count[3] : to;
              timelines.get(cluster).add(++row[0], renamed, from + shift, end + shift);
            }
          });
      System.out.printf(
          "with %d more copies of the pod intervals, %d days later: heap used after GC %d MB%n",
          k, shift / 86_400_000L, heapAfterGc());
    }
    timelines.values().forEach(t -> System.out.println(t.cluster() + ": " + t.coverage()));
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }
}
