"""The progress callback of every long call: a progress bar when verbose
(tqdm if installed, else a plain line on stderr), and Ctrl-C, which
cancels the C call through the callback (it runs in the calling thread,
where Python delivers the signal) and raises KeyboardInterrupt after it
returns."""

import signal
import sys
import threading

from ._lib import (PROGRESS_FN, STAGE_BATCH, STAGE_EPOCH, STAGE_FOLD, STAGE_PREDICT, STAGE_STEP,
                   STAGE_TREE, lib)

try:
    from tqdm import tqdm
except ImportError:  # optional
    tqdm = None

_UNITS = {STAGE_BATCH: "batch", STAGE_EPOCH: "epoch", STAGE_TREE: "tree", STAGE_PREDICT: "image",
          STAGE_FOLD: "fold", STAGE_STEP: "step"}


class _PlainBar:
    """One line on stderr, rewritten in place on a terminal."""

    def __init__(self, total, desc, unit):
        self.total, self.desc, self.unit, self.n = total, desc, unit, 0
        self.tty = sys.stderr.isatty()

    def update_to(self, done):
        self.n = done
        if self.tty or done == self.total:
            end = "\n" if done == self.total else ""
            sys.stderr.write("\r%s: %d/%d %s%s" % (self.desc, done, self.total, self.unit, end))
            sys.stderr.flush()

    def close(self):
        if self.tty and self.n != self.total:
            sys.stderr.write("\n")


class Call:
    """Context of one C call on a model handle: installs the callback (and,
    in the main thread, a SIGINT handler), removes both after."""

    def __init__(self, handle, verbose, desc):
        self.handle, self.verbose, self.desc = handle, verbose, desc
        self.interrupted = False
        self.bar = None
        self.key = None
        self.epoch = 0
        self.fn = PROGRESS_FN(self._callback)

    def _callback(self, user, stage, done, total):
        try:
            if stage == STAGE_EPOCH:
                self.epoch = done
            if self.verbose:
                self._show(stage, done, total)
        except Exception:  # a display problem must not stop the C call
            self.verbose = 0
        return 1 if self.interrupted else 0

    def _show(self, stage, done, total):
        if stage == STAGE_EPOCH and self.key and self.key[0] == STAGE_BATCH:
            return  # nets: the batch bar of each epoch says it
        key = (stage, total)
        if key != self.key or done < getattr(self.bar, "n", 0):
            if self.bar:
                self.bar.close()
            desc = self.desc
            if stage == STAGE_BATCH:
                desc = "%s epoch %d" % (self.desc, self.epoch + 1)
            unit = _UNITS.get(stage, "step")
            self.bar = (tqdm(total=total, desc=desc, unit=unit, leave=False) if tqdm
                        else _PlainBar(total, desc, unit))
            self.key = key
        if tqdm:
            self.bar.update(done - self.bar.n)
        else:
            self.bar.update_to(done)

    def _sigint(self, signum, frame):
        self.interrupted = True

    def __enter__(self):
        self.old_handler = None
        if threading.current_thread() is threading.main_thread():
            self.old_handler = signal.signal(signal.SIGINT, self._sigint)
        lib.fmnist_model_set_progress(self.handle.ptr, self.fn, None)
        return self

    def __exit__(self, kind, value, tb):
        lib.fmnist_model_set_progress(self.handle.ptr, PROGRESS_FN(), None)
        if self.old_handler is not None:
            signal.signal(signal.SIGINT, self.old_handler)
        if self.bar:
            self.bar.close()
        if self.interrupted:
            raise KeyboardInterrupt
        return False
