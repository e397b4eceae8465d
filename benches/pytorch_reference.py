"""PyTorch CPU reference for `cargo bench --bench backends`: training samples/s (Adam,
batches of 64) of the same two models, MLP 64-256-256-10 and the digits CNN.

Run: python3 benches/pytorch_reference.py   (needs `pip install torch`)
"""
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


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


def samples_per_sec(model, batch=64, steps=200):
    x = torch.rand(batch, 64)
    y = torch.arange(batch) % 10
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def run(n):
        for _ in range(n):
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()

    run(5)
    start = time.perf_counter()
    run(steps)
    return batch * steps / (time.perf_counter() - start)


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"MLP 64-256-256-10 samples/s: {samples_per_sec(mlp()):.0f}")
    print(f"digits CNN samples/s: {samples_per_sec(Cnn()):.0f}")
