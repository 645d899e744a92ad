/* A benchmark's peer: another implementation (scikit-learn, PyTorch: the
 * scripts of bench/peers/) run as a process on our split, and the split's
 * raw files it reads. */
#ifndef FMNIST_KIT_PEER_H
#define FMNIST_KIT_PEER_H

#include "kit/bench.h"
#include "kit/data.h"
#include "kit/flags.h"

/* Runs "<python> <script> <args> --dir DIR --threads N --seed S" on the
 * split d (train and test as raw uint8 files in a temporary DIR: train_x.u8
 * n x 784, train_y.u8, test_x.u8, test_y.u8) and reads its "PEER key=value
 * ..." line into *out (NaN where it gave none). args is a printf format.
 * Returns 1 on success; 0 (with a message) if the peer failed. */
int kit_peer(const kit_common *c, const kit_data *d, kit_side *out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes the three sets of d into dir (made if missing) as raw files
 * (<set>_x.u8, <set>_y.u8) and, if layers is not NULL, layers.txt; exits
 * 1 on error. */
void kit_split_keep(const char *dir, const kit_data *d, const char *layers);

#endif
