"""Train the sentiment model and save it (numpy's .npz)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=model.DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=model.DEFAULT_MODEL)
    args = parser.parse_args()
    trained = model.train(args.data)
    model.save(trained, args.out)
    print(f"trained on {args.data}, saved {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
