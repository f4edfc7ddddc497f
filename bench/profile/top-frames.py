#!/usr/bin/env python3
"""Summarises a speedscope file written by `dotnet-trace collect --format Speedscope`: the share of busy samples
each frame is on the stack of (inclusive), busiest first. Samples whose top frame is a thread waiting for work
(thread-pool semaphores, socket event loops, timers) are left out, so the shares are of time spent working.

    top-frames.py TRACE.speedscope.json [N] [FILTER]
"""
import collections
import json
import sys

IDLE = ("LowLevelLifoSemaphore", "WaitHandle", "WaitOne", "Monitor.Wait", "Thread.Sleep", "SocketAsyncEngine.EventLoop",
        "ManualResetEventSlim.Wait", "SemaphoreSlim.Wait", "WaitForSocketEvents", "GateThread", "TimerQueue",
        "UNMANAGED_CODE_TIME", "GC.RunFinalizers")


def main() -> None:
    path = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    wanted = sys.argv[3] if len(sys.argv) > 3 else ""
    data = json.load(open(path))
    frames = [f["name"] for f in data["shared"]["frames"]]
    inclusive: collections.Counter = collections.Counter()
    busy = 0.0
    for profile in data["profiles"]:
        stack: list[int] = []
        last = None
        for event in profile["events"]:
            at = event["at"]
            if last is not None and stack:
                names = [frames[f] for f in stack]
                if not any(marker in names[-1] for marker in IDLE) and not any("RunFinalizers" in n for n in names):
                    weight = at - last
                    busy += weight
                    for name in set(names):
                        inclusive[name] += weight
            last = at
            if event["type"] == "O":
                stack.append(event["frame"])
            else:
                stack.pop()
    print(f"busy samples: {busy:.0f} ms")
    shown = 0
    for name, weight in inclusive.most_common():
        if wanted in name and "!" in name:
            print(f"{100 * weight / busy:5.1f}%  {name.split('(')[0][:150]}")
            shown += 1
            if shown >= count:
                break


if __name__ == "__main__":
    main()
