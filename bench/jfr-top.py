#!/usr/bin/env python3
"""Summarises the execution samples of a JFR recording: where the time of one path goes.

    jfr print --stack-depth 64 --events jdk.ExecutionSample F.jfr | bench/jfr-top.py [--threads REGEX] [--top 25]

Prints (1) the share of samples whose stack holds a frame of each part (SQLite, attribution, JSON,
HTTP), counted once per sample: the part of the topmost frame that belongs to one; (2) the methods most
often on top of the stack (self time); (3) the project's methods most often anywhere on the stack
(inclusive time). Only samples of threads whose name matches --threads count (default: all).
"""
import argparse
import collections
import re
import sys

PARTS = [
    ("JSON (Jackson)", re.compile(r"^tools\.jackson\.|^com\.fasterxml\.jackson\.")),
    ("SQLite read", re.compile(r"^org\.sqlite\.|^io\.egressaudit\.sql\.")),
    ("attribution (correlator)", re.compile(r"^io\.egressaudit\.correlator\.")),
    ("HTTP (Vert.x, Netty)", re.compile(r"^io\.vertx\.|^io\.netty\.")),
    ("bench client (java.net.http)", re.compile(r"^java\.net\.http\.|^jdk\.internal\.net\.http\.")),
    ("server (io.egressaudit.server)", re.compile(r"^io\.egressaudit\.server\.")),
]


def part_of(frames):
    """The part of the first frame, from the top of the stack, that belongs to one."""
    for f in frames:
        for name, rx in PARTS:
            if rx.search(f):
                return name
    return "other"


def samples(lines):
    thread, frames, in_stack = None, [], False
    for line in lines:
        s = line.strip()
        if s.startswith("jdk.ExecutionSample"):
            thread, frames, in_stack = None, [], False
        elif s.startswith("sampledThread"):
            m = re.search(r'"(.*)"', s)
            thread = m.group(1) if m else s
        elif s.startswith("stackTrace = ["):
            in_stack = True
        elif in_stack and s == "]":
            in_stack = False
        elif in_stack and s and s != "...":
            frames.append(re.sub(r"\s+line:.*$", "", s))
        elif s == "}" and thread is not None:
            yield thread, frames
            thread = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default=".*")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    want = re.compile(a.threads)
    total = 0
    parts = collections.Counter()
    self_time = collections.Counter()
    inclusive = collections.Counter()
    threads = collections.Counter()
    other_tops = collections.Counter()
    for thread, frames in samples(sys.stdin):
        if not want.search(thread) or not frames:
            continue
        total += 1
        self_time[frames[0]] += 1
        for f in set(frames):
            if f.startswith("io.egressaudit."):
                inclusive[f] += 1
        part = part_of(frames)
        parts[part] += 1
        threads[re.sub(r"\d+", "N", thread)] += 1
        if part == "other":
            other_tops[" < ".join(frames[:3])] += 1
    if total == 0:
        print("no samples")
        return
    print(f"{total} samples")
    print("\nby part (first found from the top of the stack):")
    for name, n in parts.most_common():
        print(f"  {100.0 * n / total:5.1f} %  {name}")
    print("\nby thread:")
    for name, n in threads.most_common(8):
        print(f"  {100.0 * n / total:5.1f} %  {name}")
    print("\nother, by top frames:")
    for f, n in other_tops.most_common(8):
        print(f"  {100.0 * n / total:5.1f} %  {f}")
    print(f"\ntop {a.top} frames (self):")
    for f, n in self_time.most_common(a.top):
        print(f"  {100.0 * n / total:5.1f} %  {f}")
    print(f"\ntop {a.top} project methods (inclusive):")
    for f, n in inclusive.most_common(a.top):
        print(f"  {100.0 * n / total:5.1f} %  {f}")


if __name__ == "__main__":
    main()
