"""Reads a run folder's TensorBoard event file with TensorBoard's own reader and checks it against metrics.csv.

usage: python3 scripts/crosscheck/tensorboard_readback.py <run folder>

Every metrics.csv column but `step` must be a scalar tag of tb/, and there must be no other tags. A tag's
events must be, in order, exactly the rows whose cell is filled, at the row's step, with the value equal to the
float32 of the cell (a `nan` cell matches NaN). marl-sim writes a NaN metric as an empty cell but to TensorBoard
as NaN, so an empty cell matches either no event or a NaN one at that step. The file must also start with the
file version "brain.Event:2". Prints `tensorboard crosscheck: N scalars over M steps match`; exit 1 on a
mismatch, 2 when Python's tensorboard is not installed.
"""
import csv
import math
import os
import sys

try:
    import numpy as np
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
except ImportError as error:
    print(f"tensorboard crosscheck: cannot import TensorBoard's reader ({error}); "
          f"install it with: {os.path.basename(sys.executable)} -m pip install tensorboard", file=sys.stderr)
    sys.exit(2)


def float32(text):
    with np.errstate(over="ignore"):
        return float(np.float32(float(text)))


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(1)
    folder = sys.argv[1]
    problems = []

    with open(os.path.join(folder, "metrics.csv"), newline="") as f:
        table = list(csv.reader(f))
    header, rows = table[0], table[1:]
    if "step" not in header:
        sys.exit(f"tensorboard crosscheck: {folder}/metrics.csv has no step column")
    columns = [name for name in header if name != "step"]
    steps = [int(row[header.index("step")]) for row in rows]

    tb = os.path.join(folder, "tb")
    files = sorted(name for name in os.listdir(tb)) if os.path.isdir(tb) else []
    if len(files) != 1 or not files[0].startswith("events.out.tfevents."):
        sys.exit(f"tensorboard crosscheck: {tb} should hold one events.out.tfevents.* file, holds {files}")

    reader = EventAccumulator(tb, size_guidance={"scalars": 0})  # 0: keep every event, no sampling
    reader.Reload()
    if reader.file_version != 2.0:
        problems.append(f"file version {reader.file_version!r}, expected 2 (brain.Event:2)")
    tags = set(reader.Tags()["scalars"])
    for tag in sorted(tags - set(columns)):
        problems.append(f"tag {tag!r} is not a metrics.csv column")

    for column in columns:
        if column not in tags:
            problems.append(f"column {column!r} has no scalar tag")
            continue
        events = list(reader.Scalars(column))
        cells = [row[header.index(column)] for row in rows]
        k = 0
        for step, cell in zip(steps, cells):
            here = events[k] if k < len(events) else None
            if cell == "":
                if here is not None and here.step == step and math.isnan(here.value):
                    k += 1
                continue
            want = float32(cell)
            if here is None:
                problems.append(f"{column} at step {step}: csv {cell}, no event")
            elif here.step != step or not same(here.value, want):
                problems.append(f"{column} at step {step}: csv {cell} (float32 {want!r}), event at step {here.step} value {here.value!r}")
                k += 1
            else:
                k += 1
        for extra in events[k:]:
            problems.append(f"{column}: event at step {extra.step} value {extra.value!r} beyond the csv's rows")

    if problems:
        print(f"tensorboard crosscheck: {len(problems)} mismatches between {folder}/metrics.csv and {tb}:", file=sys.stderr)
        for problem in problems[:40]:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"tensorboard crosscheck: {len(columns)} scalars over {len(rows)} steps match")


if __name__ == "__main__":
    main()
