#!/usr/bin/env python3
"""Writes a CSV file of tasks in the seed's format (task_name,description,status,priority,created_at,assigned_user).

    scripts/generate-csv.py ROWS [--invalid FRACTION] [--users john_doe,jane_smith] [--seed N] [--out FILE]

Every row is valid unless --invalid asks for a share of invalid ones; those cycle through the four row errors
the service reports (unknown priority, impossible date, unknown user, missing task name) and are spread evenly,
so the exact number of invalid rows is round(ROWS * FRACTION). Deterministic for a given seed. Streams its
output, so a million rows take constant memory."""
import argparse
import random
import sys

PRIORITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL", "low", "High"]
STATUSES = ["TRUE", "FALSE", "yes", "no", "1", "0", ""]
INVALID = [
    ("priority", "URGENT"),
    ("created_at", "13/45/2025"),
    ("assigned_user", "nobody_here"),
    ("task_name", ""),
]


def quote(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", type=int)
    parser.add_argument("--invalid", type=float, default=0.0, help="share of invalid rows, 0 to 1")
    parser.add_argument("--users", default="", help="comma-separated usernames to assign; empty cells go to the uploader")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="-")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    users = [u for u in args.users.split(",") if u] + [""]
    invalid_every = 1 / args.invalid if args.invalid > 0 else 0
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8", newline="")
    write = out.write
    write("task_name,description,status,priority,created_at,assigned_user\n")
    next_invalid = invalid_every / 2 if invalid_every else float("inf")
    kinds = 0
    for row in range(1, args.rows + 1):
        fields = {
            "task_name": f"Task {row}",
            "description": f"Generated task {row}, for load",
            "status": rng.choice(STATUSES),
            "priority": rng.choice(PRIORITIES),
            "created_at": f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/2025" if row % 2 else f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "assigned_user": rng.choice(users),
        }
        if row >= next_invalid:
            column, value = INVALID[kinds % len(INVALID)]
            fields[column] = value
            kinds += 1
            next_invalid += invalid_every
        write(",".join(quote(fields[c]) for c in ("task_name", "description", "status", "priority", "created_at", "assigned_user")) + "\n")
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
