package io.egressaudit.correlator.drill;

import static io.egressaudit.correlator.drill.FailoverReport.seconds;

import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.drill.DrillProbe.Arrival;
import io.egressaudit.correlator.drill.FailoverReport.Leak;
import io.egressaudit.correlator.drill.FailoverReport.NamespaceOutcome;
import io.egressaudit.correlator.drill.FailoverReport.Outage;
import io.egressaudit.correlator.drill.FailoverReport.StatusMove;
import io.egressaudit.correlator.drill.FailoverReport.TimelineEntry;
import io.egressaudit.correlator.drill.FailoverReport.TrafficAbsence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Works out what a failover drill showed, from its timeline alone: when the egress node was failed,
 * when and where the EgressIP's status moved, how long each namespace's traffic was out, which
 * probes leaked from an IP not allowed, and whether the drill passes.
 *
 * <p>Outage: per pod, a run of probes in a row whose request did not arrive, from the first of them
 * to the next probe that arrived (or the drill's end), each timed when it was sent; with probes
 * every {@code interval}, it is within one interval of the real gap, plus how much later one probe
 * than another reached its pod after it was sent (pod exec's start-up, on a loaded API server). A
 * namespace's outage is the longest of its pods'. A probe that arrived from a wrong IP did arrive:
 * it ends an outage and is a leak. Probes that could not be sent ({@link Arrival#NOT_SENT}) say
 * nothing about egress and are skipped.
 *
 * <p>The drill passes when the status moved to another node, every namespace then had {@code
 * settle} good probes in a row, no outage exceeded {@code maxOutage} and no probe leaked.
 */
public final class FailoverAnalysis {

  private FailoverAnalysis() {}

  /**
   * Analyses a drill's timeline; also called during the drill to know whether it may end ({@link
   * FailoverReport#settled()}).
   *
   * @param t what the drill observed
   * @param limits the bounds to judge against
   * @return the report; never null
   */
  public static FailoverReport analyze(DrillTimeline t, DrillLimits limits) {
    List<TimelineEntry> timeline = new ArrayList<>();
    timeline.add(new TimelineEntry(t.startedAt(), "drill started on EgressIP " + t.egressIP()));
    EgressIpStatus first = t.statuses().get(0);
    timeline.add(new TimelineEntry(first.at(), "status: " + describe(first)));

    Trigger trigger = trigger(t, first);
    List<String> nodesBefore =
        trigger == null ? first.nodes() : statusAt(t, trigger.at.minusNanos(1)).nodes();
    StatusMove move = trigger == null ? null : move(t, trigger.at, nodesBefore);
    if (trigger != null) {
      timeline.add(new TimelineEntry(trigger.at, "trigger: " + trigger.words));
    }
    for (NodeChange c : t.nodeChanges()) {
      timeline.add(new TimelineEntry(c.at(), "node " + c.node() + " " + c.kind().words()));
    }
    for (int i = 1; i < t.statuses().size(); i++) {
      EgressIpStatus s = t.statuses().get(i);
      timeline.add(new TimelineEntry(s.at(), "status: " + describe(s)));
    }

    DrillProbe viaNewNode = move == null ? null : firstViaNewNode(t, move);
    if (viaNewNode != null) {
      timeline.add(
          new TimelineEntry(
              viaNewNode.sentAt(),
              "first probe via "
                  + move.toNode()
                  + ": "
                  + viaNewNode.pod().namespace()
                  + "/"
                  + viaNewNode.pod().name()
                  + " arrived from "
                  + viaNewNode.sourceIp()
                  + (trigger == null
                      ? ""
                      : ", "
                          + seconds(Duration.between(trigger.at, viaNewNode.sentAt()))
                          + " after the trigger")));
    }

    Map<PodRef, List<DrillProbe>> byPod = new TreeMap<>();
    Map<String, List<DrillProbe>> byNamespace = new TreeMap<>();
    t.namespaces().forEach(ns -> byNamespace.put(ns, new ArrayList<>()));
    for (DrillProbe p : t.probes()) {
      byPod.computeIfAbsent(p.pod(), k -> new ArrayList<>()).add(p);
      byNamespace.computeIfAbsent(p.namespace(), k -> new ArrayList<>()).add(p);
    }

    Map<String, Outage> outages = new TreeMap<>();
    List<TrafficAbsence> absences = new ArrayList<>();
    for (Map.Entry<PodRef, List<DrillProbe>> e : byPod.entrySet()) {
      List<DrillProbe> sent =
          e.getValue().stream().filter(p -> p.arrival() != Arrival.NOT_SENT).toList();
      Outage o = longestOutage(e.getKey(), sent, t.endedAt());
      if (o != null) {
        outages.merge(
            e.getKey().namespace(), o, (a, b) -> b.duration().compareTo(a.duration()) > 0 ? b : a);
      }
      absences.addAll(trafficAbsences(t, e.getKey(), sent, limits.settle()));
    }
    for (TrafficAbsence a : absences) {
      timeline.add(
          new TimelineEntry(
              a.from(),
              "status points at "
                  + a.nodes()
                  + " but traffic absent: "
                  + a.probes()
                  + " probes of "
                  + a.pod().namespace()
                  + "/"
                  + a.pod().name()
                  + " in a row did not arrive"));
    }

    List<Leak> leaks = leaks(t.probes());
    for (Leak l : leaks) {
      timeline.add(
          new TimelineEntry(
              l.first(),
              "leak: "
                  + l.namespace()
                  + " arrived from "
                  + l.sourceIp()
                  + (l.owner() == null ? "" : " (" + l.owner() + ")")
                  + ", "
                  + l.count()
                  + (l.count() == 1 ? " probe" : " probes")));
    }

    List<NamespaceOutcome> outcomes = new ArrayList<>();
    boolean settled = move != null && !byNamespace.isEmpty();
    for (Map.Entry<String, List<DrillProbe>> e : byNamespace.entrySet()) {
      NamespaceOutcome o =
          outcome(e.getKey(), e.getValue(), outages.get(e.getKey()), move, limits.settle());
      outcomes.add(o);
      settled &= o.settled();
      Outage out = o.outage();
      if (out != null) {
        timeline.add(
            new TimelineEntry(
                out.from(),
                "outage of "
                    + o.namespace()
                    + " begins: probe from "
                    + out.pod().name()
                    + " did not arrive"));
        timeline.add(
            new TimelineEntry(
                out.to(),
                out.ongoing()
                    ? "outage of "
                        + o.namespace()
                        + " still on at the end: "
                        + seconds(out.duration())
                    : "outage of "
                        + o.namespace()
                        + " ends: "
                        + seconds(out.duration())
                        + ", "
                        + out.probes()
                        + " probes lost"));
      }
    }
    timeline.add(new TimelineEntry(t.endedAt(), "drill ended"));
    timeline.sort(Comparator.comparing(TimelineEntry::at));

    List<String> failures = failures(t, limits, trigger, nodesBefore, move, outcomes, leaks);
    return new FailoverReport(
        t.egressIP(),
        t.startedAt(),
        t.endedAt(),
        trigger == null ? null : trigger.at,
        trigger == null ? null : trigger.words,
        nodesBefore,
        move,
        viaNewNode,
        outcomes,
        leaks,
        absences,
        settled,
        failures,
        timeline);
  }

  private record Trigger(Instant at, String words) {}

  /**
   * The drill's own trigger; else the first change that failed a node holding the IP; else the
   * first status change off the nodes holding it at the start.
   */
  private static Trigger trigger(DrillTimeline t, EgressIpStatus first) {
    if (t.trigger() != null) {
      DrillTrigger d = t.trigger();
      return new Trigger(d.at(), d.action() + " on node " + d.node());
    }
    for (NodeChange c : t.nodeChanges()) {
      if (c.kind().failsEgress() && first.nodes().contains(c.node())) {
        return new Trigger(c.at(), "node " + c.node() + " " + c.kind().words() + " (observed)");
      }
    }
    for (EgressIpStatus s : t.statuses()) {
      if (!s.nodes().equals(first.nodes())) {
        return new Trigger(
            s.at(), "status left " + String.join(",", first.nodes()) + " (observed)");
      }
    }
    return null;
  }

  /** The status in effect at a time: the last one received at or before it, else the first. */
  static EgressIpStatus statusAt(DrillTimeline t, Instant at) {
    EgressIpStatus found = t.statuses().get(0);
    for (EgressIpStatus s : t.statuses()) {
      if (s.at().isAfter(at)) {
        break;
      }
      found = s;
    }
    return found;
  }

  private static StatusMove move(DrillTimeline t, Instant triggeredAt, List<String> before) {
    Instant unassignedAt = null;
    for (EgressIpStatus s : t.statuses()) {
      if (s.at().isBefore(triggeredAt)) {
        continue;
      }
      if (!s.assigned()) {
        if (unassignedAt == null) {
          unassignedAt = s.at();
        }
        continue;
      }
      for (String node : s.nodes()) {
        if (!before.contains(node)) {
          return new StatusMove(unassignedAt, s.at(), String.join(",", before), node);
        }
      }
    }
    return null;
  }

  private static DrillProbe firstViaNewNode(DrillTimeline t, StatusMove move) {
    for (DrillProbe p : t.probes()) {
      if (p.sentAt().isBefore(move.at()) || !p.good()) {
        continue;
      }
      for (EgressIpAssignment a : statusAt(t, p.sentAt()).assignments()) {
        if (a.node().equals(move.toNode()) && a.egressIP().equals(p.sourceIp())) {
          return p;
        }
      }
    }
    return null;
  }

  private static Outage longestOutage(PodRef pod, List<DrillProbe> sent, Instant end) {
    Outage longest = null;
    int i = 0;
    while (i < sent.size()) {
      if (sent.get(i).arrival() != Arrival.NOT_ARRIVED) {
        i++;
        continue;
      }
      int j = i;
      while (j < sent.size() && sent.get(j).arrival() == Arrival.NOT_ARRIVED) {
        j++;
      }
      boolean ongoing = j == sent.size();
      Instant to = ongoing ? end : sent.get(j).sentAt();
      Outage o = new Outage(pod, sent.get(i).sentAt(), to, j - i, ongoing);
      if (longest == null || o.duration().compareTo(longest.duration()) > 0) {
        longest = o;
      }
      i = j;
    }
    return longest;
  }

  /** Runs of {@code settle} or more failing probes while the status pointed at the same node(s). */
  private static List<TrafficAbsence> trafficAbsences(
      DrillTimeline t, PodRef pod, List<DrillProbe> sent, int settle) {
    List<TrafficAbsence> found = new ArrayList<>();
    int i = 0;
    while (i < sent.size()) {
      EgressIpStatus s = statusAt(t, sent.get(i).sentAt());
      if (sent.get(i).arrival() != Arrival.NOT_ARRIVED || !s.assigned()) {
        i++;
        continue;
      }
      int j = i;
      while (j < sent.size()
          && sent.get(j).arrival() == Arrival.NOT_ARRIVED
          && statusAt(t, sent.get(j).sentAt()).nodes().equals(s.nodes())) {
        j++;
      }
      if (j - i >= settle) {
        found.add(
            new TrafficAbsence(
                pod,
                String.join(",", s.nodes()),
                sent.get(i).sentAt(),
                sent.get(j - 1).sentAt(),
                j - i));
      }
      i = j;
    }
    return found;
  }

  private static List<Leak> leaks(List<DrillProbe> probes) {
    Map<String, List<DrillProbe>> byKey = new TreeMap<>();
    for (DrillProbe p : probes) {
      if (p.leaked()) {
        byKey.computeIfAbsent(p.namespace() + " " + p.sourceIp(), k -> new ArrayList<>()).add(p);
      }
    }
    List<Leak> leaks = new ArrayList<>();
    for (List<DrillProbe> ps : byKey.values()) {
      DrillProbe f = ps.get(0);
      String owner =
          ps.stream().map(DrillProbe::sourceOwner).filter(o -> o != null).findFirst().orElse(null);
      TreeSet<PodRef> pods = new TreeSet<>();
      ps.forEach(p -> pods.add(p.pod()));
      leaks.add(
          new Leak(
              f.namespace(),
              f.sourceIp(),
              owner,
              ps.size(),
              f.sentAt(),
              ps.get(ps.size() - 1).sentAt(),
              List.copyOf(pods)));
    }
    return leaks;
  }

  private static NamespaceOutcome outcome(
      String namespace, List<DrillProbe> probes, Outage outage, StatusMove move, int settle) {
    int good = 0;
    int leaked = 0;
    int notArrived = 0;
    int notSent = 0;
    for (DrillProbe p : probes) {
      if (p.good()) {
        good++;
      } else if (p.leaked()) {
        leaked++;
      } else if (p.arrival() == Arrival.NOT_ARRIVED) {
        notArrived++;
      } else {
        notSent++;
      }
    }
    int inARow = 0;
    if (move != null) {
      for (int i = probes.size() - 1; i >= 0; i--) {
        DrillProbe p = probes.get(i);
        if (p.arrival() == Arrival.NOT_SENT) {
          continue;
        }
        if (!p.good() || p.sentAt().isBefore(move.at())) {
          break;
        }
        inARow++;
      }
    }
    return new NamespaceOutcome(
        namespace,
        probes.size(),
        good,
        leaked,
        notArrived,
        notSent,
        outage,
        inARow,
        inARow >= settle);
  }

  private static List<String> failures(
      DrillTimeline t,
      DrillLimits limits,
      Trigger trigger,
      List<String> nodesBefore,
      StatusMove move,
      List<NamespaceOutcome> outcomes,
      List<Leak> leaks) {
    List<String> failures = new ArrayList<>();
    String held = nodesBefore.isEmpty() ? "no node" : "node " + String.join(",", nodesBefore);
    if (trigger == null) {
      failures.add(
          "no failover seen: "
              + held
              + " kept EgressIP "
              + t.egressIP()
              + " and did not fail before the drill ended");
    } else if (move == null) {
      failures.add(
          "the status of EgressIP "
              + t.egressIP()
              + " never moved off "
              + held
              + " after the trigger: it ended as "
              + describe(t.statuses().get(t.statuses().size() - 1)));
    }
    if (outcomes.isEmpty()) {
      failures.add("EgressIP " + t.egressIP() + " selects no namespace to probe");
    }
    for (NamespaceOutcome o : outcomes) {
      Outage out = o.outage();
      if (out != null && out.ongoing()) {
        failures.add(
            o.namespace()
                + ": probes still not arriving at the end (pod "
                + out.pod().name()
                + ", since "
                + out.from()
                + ", "
                + seconds(out.duration())
                + ")");
      } else if (out != null && out.duration().compareTo(limits.maxOutage()) > 0) {
        failures.add(
            o.namespace()
                + ": outage "
                + seconds(out.duration())
                + " is longer than max-outage "
                + seconds(limits.maxOutage())
                + " (pod "
                + out.pod().name()
                + ", from "
                + out.from()
                + " to "
                + out.to()
                + ")");
      }
      if (o.probes() == o.notSent()) {
        failures.add(o.namespace() + ": no probe could be sent (" + o.probes() + " tried)");
      } else if (move != null && !o.settled()) {
        failures.add(
            o.namespace()
                + ": did not settle after the move: "
                + o.goodInARowAfterMove()
                + " good probes in a row at the end, "
                + limits.settle()
                + " needed");
      }
    }
    for (Leak l : leaks) {
      failures.add(
          l.namespace()
              + ": leaked "
              + l.count()
              + (l.count() == 1 ? " probe" : " probes")
              + " from "
              + l.sourceIp()
              + (l.owner() == null ? "" : " (" + l.owner() + ")")
              + ", not an IP of EgressIP "
              + t.egressIP()
              + ", from "
              + l.first()
              + " to "
              + l.last());
    }
    return failures;
  }

  /**
   * A status in words: "192.168.126.100 on ocp-8vr6j-worker-0-sl79n", or "no node holds any IP".
   */
  static String describe(EgressIpStatus s) {
    if (!s.assigned()) {
      return "no node holds any IP";
    }
    Map<String, List<String>> byNode = new LinkedHashMap<>();
    for (EgressIpAssignment a : s.assignments()) {
      byNode.computeIfAbsent(a.node(), k -> new ArrayList<>()).add(a.egressIP());
    }
    List<String> parts = new ArrayList<>();
    byNode.forEach((node, ips) -> parts.add(String.join(",", ips) + " on " + node));
    return String.join(", ", parts);
  }
}
