# libfmnist — plain GNU Makefile.
#
#   make                 lib/libfmnist.a and lib/libfmnist.so.X.Y.Z (+ symlinks)
#   make check           Check suites against the static and the shared library
#   make asan            the suites under AddressSanitizer + UBSan (CK_FORK=no)
#   make examples        every program of examples/, at examples/NAME
#   make bench [BENCH=name]   benchmarks beside their peers (bench/README.md)
#                        (both link the programs' kit, kit/, built once into
#                        $(BUILD)/kit/libkit.a)
#   make install / uninstall  PREFIX, DESTDIR, LIBDIR, INCLUDEDIR, PKGCONFIGDIR, MANDIR
#   make docs            API reference (Doxygen) in $(BUILD)/docs/html
#   make install-check   install to a temp prefix, build C and C++ apps via pkg-config
#   make deps            installs the build dependencies (Debian/Ubuntu, root)
#   make fuzz [FUZZ_SECONDS=60]  libFuzzer targets of tests/fuzz/
#   make oom-check       allocation-failure walk (tests/oom_*.c) under ASan
#   make abi-check       the shared library against the stored ABI baseline
#   make onnx-check      exported ONNX models against ONNX Runtime and the ONNX checker
#   make layer-check     includes of src/ point down its layers only
#   make tsan / valgrind ThreadSanitizer run / memcheck of the examples
#   make mpi / install-mpi / mpi-check   libfmnist_mpi (mpi/, over Open MPI):
#                        `make` builds it too when Open MPI's pkg-config file
#                        (ompi-c) is found; MPI=0 leaves it out (mpi/mpi.mk)
#
# WERROR=1 turns warnings into errors (CI does). BUILD and LIBOUT move the
# objects and the libraries elsewhere, EXOUT and BENCHOUT the example and
# benchmark programs, so two builds can run side by side. Objects depend on
# the headers they include (the compiler's -MMD lists), not on all of them.

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
STATIC_OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
SHARED_OBJS := $(SRCS:%.c=$(BUILD)/pic/%.o)
STATIC_LIB := $(LIBOUT)/libfmnist.a
SONAME := libfmnist.so.$(VERSION_MAJOR)
SHARED_LIB := $(LIBOUT)/libfmnist.so.$(VERSION)
MAPFILE := src/fmnist.map

# tests/test_*.c use the public API only: run against both libraries.
# tests/internal_*.c also test private helpers: static library only.
PUBLIC_TESTS := $(sort $(wildcard tests/test_*.c))
INTERNAL_TESTS := $(sort $(wildcard tests/internal_*.c))
STATIC_TESTS := $(PUBLIC_TESTS:tests/%.c=$(BUILD)/tests/static/%) \
                $(INTERNAL_TESTS:tests/%.c=$(BUILD)/tests/static/%)
SHARED_TESTS := $(PUBLIC_TESTS:tests/%.c=$(BUILD)/tests/shared/%)
TEST_BINS := $(STATIC_TESTS) $(SHARED_TESTS)
TEST_SUPPORT := $(filter-out tests/test_%.c tests/internal_%.c tests/oom_%.c,$(wildcard tests/*.c))
TEST_SUPPORT_OBJS := $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o)

# kit/: what every program shares (flags, data, checks, tables, plots, the
# report's rows, the runs of examples and benchmarks), built once into an
# archive; each program takes the members it uses. kit/mpi.c is linked
# instead of the archive's kit/solo.c by the examples that take --mpi.
KIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out kit/mpi.c,$(sort $(wildcard kit/*.c))))
KIT_LIB := $(BUILD)/kit/libkit.a

.PHONY: FORCE all check asan examples bench install uninstall install-check deps clean \
        python-check install-python uninstall-python \
        fuzz oom-check abi-check abi-baseline tsan valgrind docs layer-check layer-graph \
        onnx-check
all: $(STATIC_LIB) $(LIBOUT)/libfmnist.so

# libfmnist_mpi, the companion over Open MPI (`all` builds it too when
# Open MPI is found), and the programs that use it.
include mpi/mpi.mk

# examples/*.c and bench/*.c: one program each (sweep only with Open MPI).
EXAMPLE_SRCS := $(filter-out $(if $(filter 1,$(MPI)),,$(MPI_ONLY_EXAMPLES:%=examples/%.c)),\
                  $(sort $(wildcard examples/*.c)))
EXAMPLES := $(EXAMPLE_SRCS:examples/%.c=$(EXOUT)/%)
BENCHES := $(patsubst bench/%.c,$(BENCHOUT)/%,$(sort $(wildcard bench/*.c)))

# ---- objects: one pair of rules for every folder ----
# $(BUILD)/obj/DIR/NAME.o from DIR/NAME.c, and $(BUILD)/pic/DIR/NAME.o
# (position-independent, for the shared libraries), with the flags of the
# folder, CFLAGS_<top folder>, and OBJ_CFLAGS where an object needs more.
# -MMD -MP write each object's header dependencies beside it (NAME.d),
# included at the end of this file.
CFLAGS_src := $(LIB_CFLAGS)
CFLAGS_kit := $(APP_CFLAGS) -I. $(DEP_CFLAGS)
CFLAGS_examples := $(APP_CFLAGS) -I.
CFLAGS_bench := $(APP_CFLAGS) -I.
TEST_CFLAGS := $(APP_CFLAGS) -Isrc $(CHECK_CFLAGS) $(DEP_CFLAGS)
CFLAGS_tests := $(TEST_CFLAGS)
top_folder = $(firstword $(subst /, ,$(1)))
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_$(call top_folder,$*)) $(OBJ_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_$(call top_folder,$*)) $(OBJ_CFLAGS) -fPIC -MMD -MP -c $< -o $@

# ---- libraries: one rule per kind; each library names its parts ----
%.a:
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^
# SO_NAME, SO_MAP (the version script) and SO_LIBS are each library's own.
%.so.$(VERSION):
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(SO_NAME) -Wl,--version-script=$(SO_MAP) \
	  -Wl,--no-undefined -o $@ $(filter %.o,$^) $(SO_LIBS) $(LDFLAGS)
$(LIBOUT)/%.so: $(LIBOUT)/%.so.$(VERSION)
	ln -sf $*.so.$(VERSION) $(LIBOUT)/$*.so.$(VERSION_MAJOR)
	ln -sf $*.so.$(VERSION_MAJOR) $@

$(STATIC_LIB): $(STATIC_OBJS)
$(SHARED_LIB): $(SHARED_OBJS) $(MAPFILE)
$(SHARED_LIB): private SO_NAME := $(SONAME)
$(SHARED_LIB): private SO_MAP := $(MAPFILE)
$(SHARED_LIB): private SO_LIBS := $(DEP_LIBS)
$(KIT_LIB): $(KIT_OBJS)

# ---- tests ----
$(STATIC_TESTS): $(BUILD)/tests/static/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT_OBJS) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $< $(TEST_SUPPORT_OBJS) -o $@ $(STATIC_LIB) $(CHECK_LIBS) $(DEP_LIBS) $(LDFLAGS)
$(SHARED_TESTS): $(BUILD)/tests/shared/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT_OBJS) \
                                          $(LIBOUT)/libfmnist.so
	@mkdir -p $(dir $@)
	$(CC) $< $(TEST_SUPPORT_OBJS) -o $@ -L$(LIBOUT) -lfmnist \
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
# PROGRAM_LIBS: what a program links beyond the kit and libfmnist.
link_program = $(CC) $(filter %.o,$^) $(KIT_LIB) -o $@ -L$(LIBOUT) $(PROGRAM_LIBS) -lfmnist \
                 -Wl,-rpath,$(abspath $(LIBOUT)) $(LDFLAGS)
$(EXAMPLES): $(EXOUT)/%: $(BUILD)/obj/examples/%.o $(KIT_LIB) $(LIBOUT)/libfmnist.so
	@mkdir -p $(dir $@)
	$(link_program) -lm
examples: $(EXAMPLES)

# Benchmarks call OpenBLAS themselves (its core name, the sgemm peak).
$(BENCHES): $(BENCHOUT)/%: $(BUILD)/obj/bench/%.o $(KIT_LIB) $(LIBOUT)/libfmnist.so
	@mkdir -p $(dir $@)
	$(link_program) $(DEP_LIBS)
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
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_LIB_OBJS := $(SRCS:src/%.c=$(BUILD)/fuzz/lib/%.o)
$(BUILD)/fuzz/lib/%.o: src/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_LIB_FLAGS) -O1 -g -MMD -MP -c $< -o $@
# Programs of one source: its dependencies written beside the program.
$(FUZZ_BINS): $(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS)
	clang $(APP_CFLAGS) -Isrc $(FUZZ_FLAGS) -MMD -MP -MF $@.d -MT $@ $^ -o $@ $(DEP_LIBS)
$(BUILD)/fuzz/seeds: tests/fuzz/seeds.c $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) $(DEP_CFLAGS) -MMD -MP -MF $@.d -MT $@ $< -o $@ $(STATIC_LIB) $(DEP_LIBS)
fuzz: $(FUZZ_BINS) $(BUILD)/fuzz/seeds
	sh tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

# ONNX export checked by others' code: tests/onnx/export.c fits small
# models of each exportable family on the official training images,
# exports them and writes the library's predictions on the 10 000 test
# images; ONNX Runtime (onnxruntime-node, pinned in tests/onnx/package.json,
# installed by .ci/install-deps) must give the same labels and
# probabilities within 1e-4 (check.js), and python3-onnx's checker must
# pass every file (check.py). About a minute.
ONNX_NODE_MODULES := tests/onnx/node_modules/onnxruntime-node
$(BUILD)/onnx/export: tests/onnx/export.c $(LIBOUT)/libfmnist.so
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -MMD -MP -MF $@.d -MT $@ $< -o $@ -L$(LIBOUT) -lfmnist \
	  -Wl,-rpath,$(abspath $(LIBOUT)) $(LDFLAGS)
onnx-check: $(BUILD)/onnx/export
	@test -d $(ONNX_NODE_MODULES) || { echo "make onnx-check: no $(ONNX_NODE_MODULES):" \
	  "run sh .ci/install-deps, or cd tests/onnx && ONNXRUNTIME_NODE_INSTALL=skip npm ci"; exit 1; }
	$(BUILD)/onnx/export $(BUILD)/onnx
	node tests/onnx/check.js $(BUILD)/onnx
	$(PYTHON) tests/onnx/check.py $(BUILD)/onnx

# Allocation-failure walk: the library built with FMNIST_ALLOC_TESTING so
# that tests/oom_*.c can fail the Nth allocation; run under ASan/LSan.
OOM_SRCS := $(sort $(wildcard tests/oom_*.c))
OOM_BINS := $(OOM_SRCS:tests/%.c=$(BUILD)/oom/%)
OOM_LIB_OBJS := $(SRCS:src/%.c=$(BUILD)/oom/lib/%.o)
$(BUILD)/oom/lib/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(SAN) -O1 -DFMNIST_ALLOC_TESTING -MMD -MP -c $< -o $@
$(BUILD)/oom/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(SAN) -DFMNIST_ALLOC_TESTING -MMD -MP -c $< -o $@
$(OOM_BINS): $(BUILD)/oom/%: $(BUILD)/oom/tests/%.o $(TEST_SUPPORT:%.c=$(BUILD)/oom/%.o) \
                             $(OOM_LIB_OBJS)
	$(CC) $(SAN) $^ -o $@ $(CHECK_LIBS) $(DEP_LIBS)
oom-check: $(OOM_BINS)
	@for t in $^; do echo "== $$t"; CK_FORK=no FMNIST_TEST_DIR=$(BUILD)/tmp $$t || exit 1; done

# ThreadSanitizer: concurrent handles give the results of sequential runs.
TSAN := -fsanitize=thread -fno-omit-frame-pointer
TSAN_LIB_OBJS := $(SRCS:src/%.c=$(BUILD)/tsan/lib/%.o)
$(BUILD)/tsan/lib/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(TSAN) -O1 -MMD -MP -c $< -o $@
$(BUILD)/tsan/concurrent: tests/tsan/concurrent.c $(TSAN_LIB_OBJS)
	$(CC) $(APP_CFLAGS) $(DEP_CFLAGS) $(TSAN) -O1 -D_DEFAULT_SOURCE -MMD -MP -MF $@.d -MT $@ $^ \
	  -o $@ $(DEP_LIBS)
tsan: $(BUILD)/tsan/concurrent
	sh tests/tsan.sh $<

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

# The header dependencies the compiler wrote (-MMD -MP), of every build
# under $(BUILD).
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
