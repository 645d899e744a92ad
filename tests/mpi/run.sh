#!/bin/sh
# Runs each tests/mpi program on 2 ranks of this machine. Open MPI refuses
# root without the two ALLOW settings, and in a container its shared-memory
# transport needs single_copy_mechanism=none (harmless elsewhere). A
# timeout turns a hang, the failure these tests look for, into a failure.
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
for t in "$@"; do
  echo "== mpirun -np 2 $t"
  timeout 600 mpirun --oversubscribe -np 2 "$t" || { echo "mpi-check: $t FAILED"; exit 1; }
done
