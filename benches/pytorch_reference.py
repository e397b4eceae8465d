"""PyTorch reference for `cargo bench --bench backends` (on the CPU, or a GPU with --device):
training samples/s (Adam, batches of 64) of the same models, MLP 64-256-256-10, the digits CNN,
the RNN, LSTM and Transformer on the adding problem, and the MLP's throughput against batch size
and width
(recorded in benches/measured/mlp-sweep-pytorch.csv, which the gallery draws beside flex's).

Run: python3 benches/pytorch_reference.py   (needs `pip install torch`)
     python3 benches/pytorch_reference.py --device cuda   (on a GPU; records nothing, since the
     recorded sweep is the CPU's)
"""
import argparse
import pathlib
import statistics
import time

import torch
from torch import nn


def mlp(width=256):
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.head(self.features(x.view(-1, 1, 8, 8)).flatten(1))


class Sequence(nn.Module):
    """Encoder over [batch, T, 2] and a linear read-out of the last step (adding problem)."""

    def __init__(self, kind, width=32):
        super().__init__()
        self.kind = kind
        if kind == "transformer":
            self.embed = nn.Linear(2, width)
            layer = nn.TransformerEncoderLayer(width, 4, 2 * width, dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)
        else:
            self.encoder = (nn.RNN if kind == "rnn" else nn.LSTM)(2, width, batch_first=True)
        self.head = nn.Linear(width, 1)

    def forward(self, x):
        if self.kind == "transformer":
            h = self.encoder(self.embed(x))
        else:
            h = self.encoder(x)[0]
        return self.head(h[:, -1, :]).squeeze(1)


DEVICE = torch.device("cpu")

# Timed rounds of every measurement, of which the median is reported (as in the Rust benchmark).
ROUNDS = 3


def wait():
    """Block until the device has finished the work queued so far (a no-op on the CPU)."""
    if DEVICE.type == "cuda":
        torch.cuda.synchronize(DEVICE)
    elif DEVICE.type == "mps":
        torch.mps.synchronize()


def samples_per_sec(model, batch=64, steps=200, x=None, y=None, loss_fn=None):
    model = model.to(DEVICE)
    x = (torch.rand(batch, 64) if x is None else x).to(DEVICE)
    y = (torch.arange(batch) % 10 if y is None else y).to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = loss_fn or nn.CrossEntropyLoss()

    def run(n):
        for _ in range(n):
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()

    run(5)
    wait()
    rates = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run(steps)
        wait()
        rates.append(batch * steps / (time.perf_counter() - start))
    return statistics.median(rates)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="PyTorch reference for cargo bench --bench backends")
    parser.add_argument("--device", default="cpu", help="torch device to train on (cpu, cuda)")
    DEVICE = torch.device(parser.parse_args().device)
    if DEVICE.type == "cuda":
        print(f"torch {torch.__version__} on {torch.cuda.get_device_name(DEVICE)}")
    else:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"MLP 64-256-256-10 samples/s: {samples_per_sec(mlp()):.0f}")
    print(f"digits CNN samples/s: {samples_per_sec(Cnn()):.0f}")
    x, y = torch.rand(64, 100, 2), torch.rand(64)
    for kind, width in [("rnn", 32), ("lstm", 32), ("transformer", 32), ("rnn", 128), ("lstm", 128)]:
        rate = samples_per_sec(Sequence(kind, width), steps=20, x=x, y=y, loss_fn=nn.MSELoss())
        print(f"adding problem T = 100, width {width}, {kind} sequences/s: {rate:.0f}")
    x, y = torch.rand(64, 200, 2), torch.rand(64)
    rate = samples_per_sec(Sequence("transformer", 32), steps=20, x=x, y=y, loss_fn=nn.MSELoss())
    print(f"adding problem T = 200, width 32, transformer sequences/s: {rate:.0f}")
    # How throughput grows with the batch and the width (50 steps each), recorded for the gallery.
    record = []
    for batch, width in [(16, 256), (64, 256), (256, 256), (1024, 256), (64, 64), (64, 1024)]:
        rate = samples_per_sec(mlp(width), batch=batch, steps=50)
        print(f"MLP 64-{width}-{width}-10, batch {batch} samples/s: {rate:.0f}")
        record.append(f"{batch},{width},{rate:.0f}")
    if DEVICE.type != "cpu":
        raise SystemExit(0)
    path = pathlib.Path(__file__).parent / "measured" / "mlp-sweep-pytorch.csv"
    header = (f"# PyTorch {torch.__version__}: python3 benches/pytorch_reference.py (on the CPU, "
              f"{torch.get_num_threads()} threads; medians of {ROUNDS} rounds)\n"
              "batch,width,samples_per_s\n")
    path.write_text(header + "\n".join(record) + "\n")
    print(f"recorded {path}")
