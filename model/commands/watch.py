"""`watch DIR --print`: a run folder followed in the terminal, one JSON object per finished epoch."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from model.commands.report import fail

POLL_SECONDS = 0.5


def run_watch_print(args: argparse.Namespace) -> int:
    """Print each epoch as it is logged until the recorder marks the run ended (exit 0 when it finished, 1 when it
    stopped early, diverged or failed) or until interrupted (Ctrl-C, exit 0: Keras' own callbacks mark no end)."""
    from model.train.run_folder import NotARun, RunFolder

    try:
        folder = RunFolder(args.folder, batches=False)
    except NotARun as exc:
        return fail(str(exc))
    said = ""
    try:
        while True:
            update = folder.poll()
            for note in update.notes:
                print(note, file=sys.stderr, flush=True)
            for row in update.epochs:
                print(json.dumps({k: v if not isinstance(v, float) or math.isfinite(v) else None
                                  for k, v in row.as_json().items()}), flush=True)
            if folder.ended:
                print(folder.describe(), file=sys.stderr, flush=True)
                return 0 if folder.ended == "finished" else 1
            if folder.kind is None and not said:
                said = folder.describe()
                print(said, file=sys.stderr, flush=True)
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        return 0
