#!/bin/sh
# Installs into a temporary prefix, then builds and runs a C and a C++
# program with pkg-config flags only (shared, and static with --static),
# and a Python program with the installed package.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -C "$top" --no-print-directory install PREFIX="$tmp/usr" >/dev/null
export PKG_CONFIG_PATH="$tmp/usr/lib/pkgconfig"
here="$top/tests/install"
# shellcheck disable=SC2046
cc -Wall -Wextra -Wpedantic -Werror "$here/app.c" -o "$tmp/app_c" $(pkg-config --cflags --libs fmnist)
# shellcheck disable=SC2046
c++ -Wall -Wextra -Wpedantic -Werror "$here/app.cpp" -o "$tmp/app_cpp" $(pkg-config --cflags --libs fmnist)
# shellcheck disable=SC2046
# Static: the archive plus what `pkg-config --static` says it needs.
# shellcheck disable=SC2046
cc "$here/app.c" -o "$tmp/app_static" $(pkg-config --cflags fmnist) "$tmp/usr/lib/libfmnist.a" \
  $(pkg-config --static --libs fmnist | sed 's/-lfmnist//')
if ldd "$tmp/app_static" | grep -q libfmnist; then echo "static build needs libfmnist.so"; exit 1; fi
LD_LIBRARY_PATH="$tmp/usr/lib" "$tmp/app_c"
LD_LIBRARY_PATH="$tmp/usr/lib" "$tmp/app_cpp"
"$tmp/app_static" | head -n 1
pkg-config --static --libs fmnist
# Python: the package as installed, finding libfmnist.so.1 by its soname.
site="$tmp/usr/lib/python3/dist-packages"
make -C "$top" --no-print-directory install-python PREFIX="$tmp/usr" PYTHON_SITE="$site" >/dev/null
(cd "$tmp" && env -u FMNIST_LIBRARY LD_LIBRARY_PATH="$tmp/usr/lib" PYTHONPATH="$site" \
  /usr/bin/python3 "$here/app.py")
make -C "$top" --no-print-directory uninstall-python PREFIX="$tmp/usr" PYTHON_SITE="$site" >/dev/null
# The MPI companion, where Open MPI is installed: a program built with
# `pkg-config fmnist-mpi` alone, run on 2 ranks.
if pkg-config --exists ompi-c; then
  make -C "$top" --no-print-directory install-mpi PREFIX="$tmp/usr" >/dev/null
  # shellcheck disable=SC2046
  cc -Wall -Wextra -Wpedantic -Werror "$here/app_mpi.c" -o "$tmp/app_mpi" \
    $(pkg-config --cflags --libs fmnist-mpi)
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    OMPI_MCA_btl_vader_single_copy_mechanism=none LD_LIBRARY_PATH="$tmp/usr/lib" \
    mpirun --oversubscribe -x LD_LIBRARY_PATH -np 2 "$tmp/app_mpi"
  make -C "$top" --no-print-directory uninstall-mpi PREFIX="$tmp/usr" >/dev/null
fi
make -C "$top" --no-print-directory uninstall PREFIX="$tmp/usr" >/dev/null
left=$(find "$tmp/usr" -type f | wc -l)
[ "$left" -eq 0 ] || { echo "uninstall left $left files"; exit 1; }
echo "install check: OK"
