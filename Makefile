# libfmnist — plain GNU Makefile.
#
#   make                 lib/libfmnist.a and lib/libfmnist.so.X.Y.Z (+ symlinks)
#   make check           Check suites against the static and the shared library
#   make asan            the suites under AddressSanitizer + UBSan (CK_FORK=no)
#   make examples        every program of examples/
#   make bench [BENCH=name]   benchmarks beside their peers (bench/README.md)
#   make install / uninstall  PREFIX, DESTDIR, LIBDIR, INCLUDEDIR, PKGCONFIGDIR, MANDIR
#   make docs            API reference (Doxygen) in $(BUILD)/docs/html
#   make install-check   install to a temp prefix, build C and C++ apps via pkg-config
#   make deps            installs the build dependencies (Debian/Ubuntu, root)
#   make fuzz [FUZZ_SECONDS=60]  libFuzzer targets of tests/fuzz/
#   make oom-check       allocation-failure walk (tests/oom_*.c) under ASan
#   make abi-check       the shared library against the stored ABI baseline
#   make layer-check     includes of src/ point down its layers only
#   make tsan / valgrind ThreadSanitizer run / memcheck of the examples
#   make mpi / install-mpi / mpi-check   libfmnist_mpi (mpi/, over Open MPI):
#                        `make` builds it too when Open MPI's pkg-config file
#                        (ompi-c) is found; MPI=0 leaves it out
#
# WERROR=1 turns warnings into errors (CI does). BUILD and LIBOUT move the
# objects and the libraries elsewhere, so two builds can run side by side.

# The version's one home is include/fmnist/base.h.
version_part = $(shell sed -n 's/^\#define FMNIST_VERSION_$(1) \([0-9]*\)$$/\1/p' include/fmnist/base.h)
VERSION_MAJOR := $(call version_part,MAJOR)
VERSION_MINOR := $(call version_part,MINOR)
VERSION_PATCH := $(call version_part,PATCH)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

CC ?= cc
CXX ?= c++
OPT ?= -O2
WARN := -Wall -Wextra -Wpedantic $(if $(filter 1,$(WERROR)),-Werror)
PKGS := openblas zlib libpng
DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS))
DEP_LIBS := $(shell pkg-config --libs $(PKGS)) -lm -lpthread
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -g $(OPT) $(WARN) -Iinclude
# -fno-math-errno: sqrtf and friends become single instructions and their
# loops vectorize (the library never reads errno after a math function; a
# #pragma GCC optimize cannot turn math-errno off).
LIB_CFLAGS := $(BASE_CFLAGS) -Isrc -DFMNIST_BUILDING -fvisibility=hidden -fno-math-errno $(DEP_CFLAGS) \
              $(CFLAGS)
APP_CFLAGS := $(BASE_CFLAGS) $(CFLAGS)

BUILD ?= build
LIBOUT ?= lib
EXOUT ?= examples
BENCHOUT ?= bench

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man

# src/<layer>/<concept>.c (docs/design.md, "Layers").
SRCS := $(sort $(wildcard src/*/*.c))
HDRS := $(wildcard include/*.h include/fmnist/*.h src/*/*.h)
STATIC_OBJS := $(SRCS:src/%.c=$(BUILD)/static/%.o)
SHARED_OBJS := $(SRCS:src/%.c=$(BUILD)/shared/%.o)
STATIC_LIB := $(LIBOUT)/libfmnist.a
SONAME := libfmnist.so.$(VERSION_MAJOR)
SHARED_LIB := $(LIBOUT)/libfmnist.so.$(VERSION)
MAPFILE := src/fmnist.map

# libfmnist_mpi: the companion over Open MPI (mpi/*.c, include/fmnist_mpi.h),
# on the core's public API and shared library, with its own soname.
MPI_PC ?= ompi-c
MPI ?= $(shell pkg-config --exists $(MPI_PC) 2>/dev/null && echo 1 || echo 0)
MPI_CFLAGS := $(if $(filter 1,$(MPI)),$(shell pkg-config --cflags $(MPI_PC)))
MPI_LIBS := $(if $(filter 1,$(MPI)),$(shell pkg-config --libs $(MPI_PC)))
MPI_SRCS := $(sort $(wildcard mpi/*.c))
MPI_STATIC_OBJS := $(MPI_SRCS:mpi/%.c=$(BUILD)/mpi/static/%.o)
MPI_SHARED_OBJS := $(MPI_SRCS:mpi/%.c=$(BUILD)/mpi/shared/%.o)
MPI_STATIC_LIB := $(LIBOUT)/libfmnist_mpi.a
MPI_SONAME := libfmnist_mpi.so.$(VERSION_MAJOR)
MPI_SHARED_LIB := $(LIBOUT)/libfmnist_mpi.so.$(VERSION)

# tests/test_*.c use the public API only: run against both libraries.
# tests/internal_*.c also test private helpers: static library only.
PUBLIC_TESTS := $(sort $(wildcard tests/test_*.c))
INTERNAL_TESTS := $(sort $(wildcard tests/internal_*.c))
TEST_BINS := $(PUBLIC_TESTS:tests/%.c=$(BUILD)/tests/static/%) \
             $(PUBLIC_TESTS:tests/%.c=$(BUILD)/tests/shared/%) \
             $(INTERNAL_TESTS:tests/%.c=$(BUILD)/tests/static/%)
TEST_SUPPORT := $(filter-out tests/test_%.c tests/internal_%.c tests/oom_%.c,$(wildcard tests/*.c))

# kit/*.c: helpers linked into every example program (and the benchmarks).
EXAMPLE_HELPERS := $(filter-out kit/benchutil.c,$(sort $(wildcard kit/*.c)))
# These examples take --mpi (with Open MPI); sweep exists only with it.
MPI_EXAMPLES := kfold cnn_final sweep
EXAMPLE_SRCS := $(filter-out $(if $(filter 1,$(MPI)),,examples/sweep.c),$(sort $(wildcard examples/*.c)))
EXAMPLE_SUPPORT := $(EXAMPLE_HELPERS)
EXAMPLES := $(EXAMPLE_SRCS:examples/%.c=$(EXOUT)/%)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCHES := $(BENCH_SRCS:bench/%.c=$(BENCHOUT)/%)

.PHONY: FORCE all check asan examples bench install uninstall install-check deps clean \
        mpi install-mpi uninstall-mpi mpi-check \
        python-check install-python uninstall-python \
        fuzz oom-check abi-check abi-baseline tsan valgrind docs layer-check layer-graph
all: $(STATIC_LIB) $(LIBOUT)/libfmnist.so $(if $(filter 1,$(MPI)),mpi)

$(BUILD)/static/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c $< -o $@
$(BUILD)/shared/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -fPIC -c $< -o $@
$(BUILD)/tests/static $(BUILD)/tests/shared $(LIBOUT):
	mkdir -p $@

$(STATIC_LIB): $(STATIC_OBJS) | $(LIBOUT)
	rm -f $@
	$(AR) rcs $@ $^
$(SHARED_LIB): $(SHARED_OBJS) $(MAPFILE) | $(LIBOUT)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(MAPFILE) \
	  -Wl,--no-undefined -o $@ $(SHARED_OBJS) $(DEP_LIBS) $(LDFLAGS)
$(LIBOUT)/libfmnist.so: $(SHARED_LIB)
	ln -sf libfmnist.so.$(VERSION) $(LIBOUT)/$(SONAME)
	ln -sf $(SONAME) $@

# ---- libfmnist_mpi ----
$(BUILD)/mpi/static/%.o: mpi/%.c mpi/mpi_impl.h include/fmnist_mpi.h $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -DFMNIST_MPI_BUILDING -fvisibility=hidden $(MPI_CFLAGS) $(CFLAGS) -c $< -o $@
$(BUILD)/mpi/shared/%.o: mpi/%.c mpi/mpi_impl.h include/fmnist_mpi.h $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -DFMNIST_MPI_BUILDING -fvisibility=hidden $(MPI_CFLAGS) $(CFLAGS) -fPIC -c $< -o $@
$(MPI_STATIC_LIB): $(MPI_STATIC_OBJS) | $(LIBOUT)
	rm -f $@
	$(AR) rcs $@ $^
$(MPI_SHARED_LIB): $(MPI_SHARED_OBJS) mpi/fmnist_mpi.map $(LIBOUT)/libfmnist.so
	$(CC) -shared -Wl,-soname,$(MPI_SONAME) -Wl,--version-script=mpi/fmnist_mpi.map \
	  -Wl,--no-undefined -o $@ $(MPI_SHARED_OBJS) -L$(LIBOUT) -lfmnist $(MPI_LIBS) $(LDFLAGS)
$(LIBOUT)/libfmnist_mpi.so: $(MPI_SHARED_LIB)
	ln -sf libfmnist_mpi.so.$(VERSION) $(LIBOUT)/$(MPI_SONAME)
	ln -sf $(MPI_SONAME) $@
mpi:
	@if [ "$(MPI)" != 1 ]; then echo "make mpi: Open MPI's $(MPI_PC).pc not found (apt-get install libopenmpi-dev openmpi-bin)"; exit 1; fi
	$(MAKE) --no-print-directory $(MPI_STATIC_LIB) $(LIBOUT)/libfmnist_mpi.so

# tests/mpi/*.c: programs run by mpirun with 2 ranks on this machine
# (tests/mpi/run.sh sets Open MPI's settings for root and containers).
MPI_TESTS := $(patsubst tests/mpi/%.c,$(BUILD)/tests/mpi/%,$(sort $(wildcard tests/mpi/*.c)))
$(BUILD)/tests/mpi/%: tests/mpi/%.c mpi $(HDRS) include/fmnist_mpi.h
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) $(MPI_CFLAGS) $< -o $@ -L$(LIBOUT) -lfmnist_mpi -lfmnist \
	  -Wl,-rpath,$(abspath $(LIBOUT)) $(MPI_LIBS) -lm $(LDFLAGS)
mpi-check: mpi $(MPI_TESTS)
	sh tests/mpi/run.sh $(MPI_TESTS)

# ---- tests ----
TEST_CFLAGS := $(APP_CFLAGS) -Isrc $(CHECK_CFLAGS) $(DEP_CFLAGS)
$(BUILD)/tests/static/%: tests/%.c $(TEST_SUPPORT) $(STATIC_LIB) $(HDRS) | $(BUILD)/tests/static
	$(CC) $(TEST_CFLAGS) $< $(TEST_SUPPORT) -o $@ $(STATIC_LIB) $(CHECK_LIBS) $(DEP_LIBS) $(LDFLAGS)
$(BUILD)/tests/shared/%: tests/%.c $(TEST_SUPPORT) $(LIBOUT)/libfmnist.so $(HDRS) | $(BUILD)/tests/shared
	$(CC) $(TEST_CFLAGS) $< $(TEST_SUPPORT) -o $@ -L$(LIBOUT) -lfmnist \
	  -Wl,-rpath,$(abspath $(LIBOUT)) $(CHECK_LIBS) $(DEP_LIBS) $(LDFLAGS)

check: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do echo "== $$t"; \
	  CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-120} FMNIST_TEST_DIR=$(BUILD)/tmp $$t || fail=1; done; \
	  if [ $$fail -ne 0 ]; then echo "make check: FAILED"; exit 1; fi

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	$(MAKE) --no-print-directory check BUILD=$(BUILD)/asan LIBOUT=$(BUILD)/asan/lib \
	  OPT=-O1 CFLAGS="$(SAN) $(CFLAGS)" LDFLAGS="$(SAN) $(LDFLAGS)" \
	  CK_FORK=no ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

# ---- examples and benchmarks (public API only, linked to the shared lib) ----
EX_MPI = $(if $(and $(filter 1,$(MPI)),$(filter $*,$(MPI_EXAMPLES))),-DEX_MPI $(MPI_CFLAGS))
EX_MPI_LIBS = $(if $(and $(filter 1,$(MPI)),$(filter $*,$(MPI_EXAMPLES))),-lfmnist_mpi $(MPI_LIBS))
$(EXOUT)/%: examples/%.c $(EXAMPLE_SUPPORT) $(wildcard kit/*.h) $(LIBOUT)/libfmnist.so $(HDRS) \
            $(if $(filter 1,$(MPI)),$(LIBOUT)/libfmnist_mpi.so)
	$(CC) $(APP_CFLAGS) -Ikit $(EX_MPI) $< $(EXAMPLE_SUPPORT) -o $@ -L$(LIBOUT) $(EX_MPI_LIBS) -lfmnist \
	  -Wl,-rpath,$(abspath $(LIBOUT)) -lm $(LDFLAGS)
examples: $(EXAMPLES)

# Benchmarks also link the examples' helpers: the report's networks live in
# kit/report.c.
$(BENCHOUT)/%: bench/%.c kit/benchutil.c $(EXAMPLE_SUPPORT) $(wildcard kit/*.h) $(LIBOUT)/libfmnist.so $(HDRS)
	$(CC) $(APP_CFLAGS) $(DEP_CFLAGS) -Ikit $< kit/benchutil.c $(EXAMPLE_SUPPORT) -o $@ -L$(LIBOUT) -lfmnist \
	  -Wl,-rpath,$(abspath $(LIBOUT)) $(DEP_LIBS) $(LDFLAGS)
bench: $(if $(BENCH),$(BENCH:%=$(BENCHOUT)/%),$(BENCHES))
	BENCHOUT=$(BENCHOUT) sh bench/run.sh $(BENCH)

# ---- install ----
# Regenerated on every install: it records PREFIX, LIBDIR and INCLUDEDIR.
$(BUILD)/fmnist.pc: fmnist.pc.in FORCE
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

install: all $(BUILD)/fmnist.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/fmnist $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/fmnist.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/fmnist/*.h $(DESTDIR)$(INCLUDEDIR)/fmnist/
	install -m 644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libfmnist.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libfmnist.so
	install -m 644 $(BUILD)/fmnist.pc $(DESTDIR)$(PKGCONFIGDIR)/
	install -d $(DESTDIR)$(MANDIR)/man3
	sed '2s|"libfmnist"|"libfmnist $(VERSION)"|' docs/fmnist.3 > $(DESTDIR)$(MANDIR)/man3/fmnist.3
	@# a system install is found by dlopen (the Python package) once the cache knows it
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/fmnist.h $(DESTDIR)$(LIBDIR)/libfmnist.a \
	  $(DESTDIR)$(LIBDIR)/libfmnist.so $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/$(SONAME).* $(DESTDIR)$(PKGCONFIGDIR)/fmnist.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/fmnist
	rm -f $(DESTDIR)$(MANDIR)/man3/fmnist.3

$(BUILD)/fmnist-mpi.pc: fmnist-mpi.pc.in FORCE
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

install-mpi: mpi $(BUILD)/fmnist-mpi.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/fmnist_mpi.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(MPI_STATIC_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(MPI_SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libfmnist_mpi.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(MPI_SONAME)
	ln -sf $(MPI_SONAME) $(DESTDIR)$(LIBDIR)/libfmnist_mpi.so
	install -m 644 $(BUILD)/fmnist-mpi.pc $(DESTDIR)$(PKGCONFIGDIR)/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall-mpi:
	rm -f $(DESTDIR)$(INCLUDEDIR)/fmnist_mpi.h $(DESTDIR)$(LIBDIR)/libfmnist_mpi.a \
	  $(DESTDIR)$(LIBDIR)/libfmnist_mpi.so $(DESTDIR)$(LIBDIR)/$(MPI_SONAME) \
	  $(DESTDIR)$(LIBDIR)/$(MPI_SONAME).* $(DESTDIR)$(PKGCONFIGDIR)/fmnist-mpi.pc

# API reference from the comments of include/ (docs/Doxyfile); needs doxygen.
# With WERROR=1 (CI) a Doxygen warning, such as an undocumented public
# name, fails the build.
docs:
	@mkdir -p $(BUILD)/docs
	FMNIST_DOCS_OUT=$(BUILD)/docs FMNIST_VERSION=$(VERSION) \
	  FMNIST_DOCS_WERROR=$(if $(filter 1,$(WERROR)),FAIL_ON_WARNINGS,NO) doxygen docs/Doxyfile
	@echo "API reference: $(BUILD)/docs/html/index.html"

# ---- Python package (python/) ----
# The package is pure Python over libfmnist.so.1 (ctypes). python-check
# runs its pytest suite against this build's library; install-python
# copies it where the system Python of Debian looks under PREFIX
# (PYTHON_SITE; a virtual environment takes `pip install ./python`).
PYTHON ?= /usr/bin/python3
PYTHON_SITE ?= $(PREFIX)/lib/python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')/dist-packages
python-check: $(LIBOUT)/libfmnist.so
	cd python && FMNIST_LIBRARY=$(abspath $(SHARED_LIB)) $(PYTHON) -m pytest -q -p no:cacheprovider tests

install-python:
	install -d $(DESTDIR)$(PYTHON_SITE)/fmnist
	install -m 644 python/fmnist/*.py $(DESTDIR)$(PYTHON_SITE)/fmnist/

uninstall-python:
	rm -rf $(DESTDIR)$(PYTHON_SITE)/fmnist

# Installs into a temporary prefix and builds C and C++ programs with
# pkg-config alone (shared and static).
install-check: all
	sh tests/install/check.sh

# ---- reliability (tests/fuzz, tests/oom_*.c, tests/abi) ----
# libFuzzer targets: tests/fuzz/fuzz_<name>.c, each run FUZZ_SECONDS on a
# seed corpus that tests/fuzz/seeds.c generates (no binary blobs in git).
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_FLAGS := $(filter-out -fvisibility=hidden,$(LIB_CFLAGS)) -fsanitize=fuzzer-no-link,address,undefined
$(BUILD)/fuzz/lib/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_LIB_FLAGS) -O1 -g -c $< -o $@
$(BUILD)/fuzz/%: tests/fuzz/%.c $(SRCS:src/%.c=$(BUILD)/fuzz/lib/%.o) tests/fuzz/fuzz_file.h
	clang $(APP_CFLAGS) -Isrc $(FUZZ_FLAGS) $(filter-out %.h,$^) -o $@ $(DEP_LIBS)
$(BUILD)/fuzz/seeds: tests/fuzz/seeds.c $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) $(DEP_CFLAGS) $< -o $@ $(STATIC_LIB) $(DEP_LIBS)
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%) $(BUILD)/fuzz/seeds
	sh tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

# Allocation-failure walk: the library built with FMNIST_ALLOC_TESTING so
# that tests/oom_*.c can fail the Nth allocation; run under ASan/LSan.
OOM_SRCS := $(sort $(wildcard tests/oom_*.c))
$(BUILD)/oom/lib/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(SAN) -O1 -DFMNIST_ALLOC_TESTING -c $< -o $@
$(BUILD)/oom/%: tests/%.c $(TEST_SUPPORT) $(SRCS:src/%.c=$(BUILD)/oom/lib/%.o)
	$(CC) $(TEST_CFLAGS) $(SAN) -DFMNIST_ALLOC_TESTING $^ -o $@ $(CHECK_LIBS) $(DEP_LIBS)
oom-check: $(OOM_SRCS:tests/%.c=$(BUILD)/oom/%)
	@for t in $^; do echo "== $$t"; CK_FORK=no FMNIST_TEST_DIR=$(BUILD)/tmp $$t || exit 1; done

# ThreadSanitizer: concurrent handles give the results of sequential runs.
TSAN := -fsanitize=thread -fno-omit-frame-pointer
$(BUILD)/tsan/lib/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(TSAN) -O1 -c $< -o $@
$(BUILD)/tsan/concurrent: tests/tsan/concurrent.c $(SRCS:src/%.c=$(BUILD)/tsan/lib/%.o)
	$(CC) $(APP_CFLAGS) $(DEP_CFLAGS) $(TSAN) -O1 -D_DEFAULT_SOURCE $^ -o $@ $(DEP_LIBS)
tsan: $(BUILD)/tsan/concurrent
	sh tests/tsan.sh $<

# Sanitizer objects are intermediates of pattern chains: keep them.
.SECONDARY: $(foreach kind,oom fuzz tsan,$(SRCS:src/%.c=$(BUILD)/$(kind)/lib/%.o))

# valgrind memcheck of the example programs on a small generated subset.
valgrind: examples
	sh tests/valgrind.sh $(EXOUT)

# Includes point down the layers of src/ (tests/layout/check.sh prints the
# folder graph; --dot for Graphviz).
layer-check:
	sh tests/layout/check.sh
layer-graph: # the same graph as a picture, $(BUILD)/layers.svg (needs Graphviz)
	@mkdir -p $(BUILD)
	sh tests/layout/check.sh --dot | dot -Tsvg -o $(BUILD)/layers.svg
	@echo "include graph: $(BUILD)/layers.svg"

# ABI guard: compare the shared library with the stored abidw baseline.
# Compatible changes (added functions) pass; an incompatible one fails
# unless MAJOR was bumped (then store a new baseline: make abi-baseline).
ABI_BASELINE := tests/abi/libfmnist.so.$(VERSION_MAJOR).abi
abi-check: $(SHARED_LIB)
	sh tests/abi/check.sh $(SHARED_LIB) $(ABI_BASELINE)
abi-baseline: $(SHARED_LIB)
	@mkdir -p tests/abi
	abidw --no-corpus-path --headers-dir include --out-file $(ABI_BASELINE) $(SHARED_LIB)

deps:
	sh .ci/install-deps

clean:
	rm -rf $(BUILD) $(LIBOUT)/libfmnist.* $(LIBOUT)/libfmnist_mpi.* $(EXAMPLES) $(BENCHES)

FORCE:
