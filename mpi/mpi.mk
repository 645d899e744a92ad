# libfmnist_mpi: the companion over Open MPI (mpi/*.c, include/fmnist_mpi.h),
# on the core's public API and shared library, with its own soname; its
# tests (tests/mpi, 2 ranks), its install, and the examples that take --mpi.
# Included by the Makefile: its objects and libraries are made by the
# Makefile's rules of every object and library, with the parts named here.

MPI_PC ?= ompi-c
MPI ?= $(shell pkg-config --exists $(MPI_PC) 2>/dev/null && echo 1 || echo 0)
MPI_CFLAGS := $(if $(filter 1,$(MPI)),$(shell pkg-config --cflags $(MPI_PC)))
MPI_LIBS := $(if $(filter 1,$(MPI)),$(shell pkg-config --libs $(MPI_PC)))
MPI_SRCS := $(sort $(wildcard mpi/*.c))
MPI_STATIC_LIB := $(LIBOUT)/libfmnist_mpi.a
MPI_SONAME := libfmnist_mpi.so.$(VERSION_MAJOR)
MPI_SHARED_LIB := $(LIBOUT)/libfmnist_mpi.so.$(VERSION)
CFLAGS_mpi := $(BASE_CFLAGS) -DFMNIST_MPI_BUILDING -fvisibility=hidden $(MPI_CFLAGS) $(CFLAGS)

$(MPI_STATIC_LIB): $(MPI_SRCS:%.c=$(BUILD)/obj/%.o)
$(MPI_SHARED_LIB): $(MPI_SRCS:%.c=$(BUILD)/pic/%.o) mpi/fmnist_mpi.map $(LIBOUT)/libfmnist.so
$(MPI_SHARED_LIB): private SO_NAME := $(MPI_SONAME)
$(MPI_SHARED_LIB): private SO_MAP := mpi/fmnist_mpi.map
$(MPI_SHARED_LIB): private SO_LIBS := -L$(LIBOUT) -lfmnist $(MPI_LIBS)

# The examples that take --mpi (kit/ranks.h) link kit/mpi.o, which the
# kit's archive then does not replace by kit/solo.o; sweep exists only
# with Open MPI.
MPI_EXAMPLES := kfold cnn_final sweep
MPI_ONLY_EXAMPLES := sweep

.PHONY: mpi install-mpi uninstall-mpi mpi-check
ifeq ($(MPI),1)
all: mpi
mpi: $(MPI_STATIC_LIB) $(LIBOUT)/libfmnist_mpi.so
$(MPI_EXAMPLES:%=$(EXOUT)/%): $(BUILD)/obj/kit/mpi.o $(LIBOUT)/libfmnist_mpi.so
$(MPI_EXAMPLES:%=$(EXOUT)/%): private PROGRAM_LIBS := -lfmnist_mpi $(MPI_LIBS)
$(BUILD)/obj/kit/mpi.o $(BUILD)/obj/examples/sweep.o: private OBJ_CFLAGS := $(MPI_CFLAGS)
else
mpi:
	@echo "make mpi: Open MPI's $(MPI_PC).pc not found (apt-get install libopenmpi-dev openmpi-bin)"
	@exit 1
endif

# tests/mpi/*.c: programs run by mpirun with 2 ranks on this machine
# (tests/mpi/run.sh sets Open MPI's settings for root and containers).
MPI_TESTS := $(patsubst tests/mpi/%.c,$(BUILD)/tests/mpi/%,$(sort $(wildcard tests/mpi/*.c)))
$(MPI_TESTS): $(BUILD)/tests/mpi/%: tests/mpi/%.c $(LIBOUT)/libfmnist_mpi.so
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) $(MPI_CFLAGS) -MMD -MP -MF $@.d -MT $@ $< -o $@ -L$(LIBOUT) -lfmnist_mpi -lfmnist \
	  -Wl,-rpath,$(abspath $(LIBOUT)) $(MPI_LIBS) -lm $(LDFLAGS)
mpi-check: mpi $(MPI_TESTS)
	sh tests/mpi/run.sh $(MPI_TESTS)

# Regenerated on every install: it records PREFIX, LIBDIR and INCLUDEDIR.
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
