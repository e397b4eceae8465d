"""pandas' C parser on the file `cargo bench --bench csv` writes (run that first).

Prints MB/s and rows/s (median of 3 loads), for the README beside the Rust numbers.
Usage: python3 benches/csv_reference.py [ROWS]
"""
import os
import statistics
import sys
import tempfile
import time

import pandas

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
path = os.path.join(tempfile.gettempdir(), f"mlnotes-bench-{rows}x20.csv")
size = os.path.getsize(path)
times = []
for _ in range(3):
    start = time.perf_counter()
    frame = pandas.read_csv(path)
    times.append(time.perf_counter() - start)
    assert frame.shape == (rows, 21)
median = statistics.median(times)
print(f"pandas {pandas.__version__} read_csv {rows} x 20 + target, {size / 1e6:.0f} MB: "
      f"{size / 1e6 / median:.1f} MB/s, {rows / median:.0f} rows/s (median of 3, {median:.2f} s)")
