# libsia -- see README.md. `make help` lists the targets below.
#
#   make              build build/libsia.so and the LAPACK shim build/libsia_lapack.so (headers: include/)
#   make demo         the main job: cold vs incremental retraining on synthetic keys (cmd/siademo)
#   make test         every test (the parts below, to the end; one closing line "N passed, N failed")
#   make deps         check/install the Debian packages the tests need, saying why (scripts/deps.sh)
#   make install      install libraries, headers, pkg-config and CMake files under PREFIX (default /usr/local; DESTDIR honoured)
#   make uninstall    remove what make install put under PREFIX
#   make clean        remove build/
#   make snippets     compile and run every code snippet of README.md and docs/*.md (scripts/snippets.py)
#   make figures-check  README's and docs/'s figures equal their committed data (blocks, and the figures in their prose)
#   make figures      regenerate the committed figure data (FULL=1: also the long benchmarks into bench/)
#   make bench        kernel and LAPACKE/OpenBLAS benchmarks, then the shifted-retraining grid (into build/)
#   make bench-index  the learned index's end-to-end benchmark, ~12 min (into build/index-bench/)
#   make devices      list OpenCL devices and the engine "auto" picks
#   make wheel        the Python wheel with libsia.so inside (build/sia-*.whl)
#   make pytest       the Python binding's tests
#   make gpu-kit      the kit scripts/gpu-check.sh runs on a GPU machine (build/gpu-kit)
#   make fuzz         bounded fuzzing of every fuzz target (FUZZTIME)
#   make mutate       mutation testing: score per package and surviving mutants, slow (docs/mutation.md)
#   parts of make test, also on their own:
#   make makecheck vet gotest crash damage ctest faulttest lazyload shimtest xlintstd install-test pyinstall-test asan
#        bench-index-smoke gpu-check-smoke lib shim

GO      ?= go
CC      ?= cc
CXX     ?= c++
VERSION := 0.3.0
MAJOR   := 0
PREFIX  ?= /usr/local
BUILD   := build
LIB     := $(BUILD)/libsia.so
CFLAGS  ?= -O2
CWARN   := -std=c11 -Wall -Wextra -Werror
GOSRC   := $(shell find . \( -name '*.go' -o -name '*.s' \) -not -path './build/*') go.mod go.sum

.PHONY: all lib shim faulttest mutate lazyload uninstall makecheck snippets shimtest xlintstd figures figures-check install install-test pytest wheel pyinstall-test demo test gotest ctest vet bench bench-index bench-index-smoke gpu-kit gpu-check-smoke deps devices fuzz crash asan clean help

# The first target is the default goal: `make` alone builds the libraries.
all: lib shim

devices:
	$(GO) run ./cmd/sia-devices

lib: $(LIB)

$(LIB): $(GOSRC)
	@mkdir -p $(BUILD)
	$(GO) build -buildmode=c-shared -ldflags '-extldflags -Wl,-soname,libsia.so.$(MAJOR)' -o $@ ./capi
	@rm -f $(BUILD)/libsia.h   # cgo's generated header is not the API: include/sia.h is
	@ln -sf libsia.so $(BUILD)/libsia.so.$(MAJOR)

# The LAPACK-ABI shim: LAPACKE_dgels and dgels_ over cold_train.
SHIM := $(BUILD)/libsia_lapack.so
shim: $(SHIM)
$(SHIM): shim/sia_lapack.c include/sia.h $(LIB)
	$(CC) $(CWARN) $(CFLAGS) -fPIC -shared -fvisibility=hidden -Iinclude $< -L$(BUILD) -lsia \
	  -Wl,-rpath,'$$ORIGIN' -Wl,-soname,libsia_lapack.so.$(MAJOR) -o $@
	@ln -sf libsia_lapack.so $(BUILD)/libsia_lapack.so.$(MAJOR)

# faulttest: internal errors through the C API. build/fault/libsia.so is a
# test build (-tags siafault, capi/fault.go) whose engine panics while
# SIA_TEST_PANIC is set; ctest/test_internal.c requires SIA_EINTERNAL from
# every training export and nothing changed. The library that `make`
# builds must not contain the hook.
FAULTLIB := $(BUILD)/fault/libsia.so
$(FAULTLIB): $(GOSRC)
	@mkdir -p $(BUILD)/fault
	$(GO) build -tags siafault -buildmode=c-shared -o $@ ./capi
	@rm -f $(BUILD)/fault/libsia.h
faulttest: $(FAULTLIB) $(LIB)
	@if $(GO) tool nm $(LIB) | grep -q faultEngine; then echo "$(LIB) contains the test-only fault hook"; exit 1; fi
	$(CC) $(CWARN) $(CFLAGS) -Iinclude ctest/test_internal.c -L$(BUILD)/fault -lsia -lm -Wl,-rpath,'$$ORIGIN' -o $(BUILD)/fault/test_internal
	./$(BUILD)/fault/test_internal > $(BUILD)/fault/test_internal.txt || { cat $(BUILD)/fault/test_internal.txt; exit 1; }
	@tail -n 1 $(BUILD)/fault/test_internal.txt

# mutate: mutation testing (scripts/mutate.sh, docs/mutation.md): gremlins
# over solver, memo, device/cpu and index/aidel, the committed C-API
# mutants (scripts/capi-mutants.txt) against the C tests; the score per
# package and every surviving mutant. Slow (see docs/mutation.md): not part
# of make test. MUTATE_PKGS selects packages.
mutate:
	sh scripts/mutate.sh $(MUTATE_PKGS)

# shimtest: the same calls against Debian's LAPACK and against the shim
# (linked, and switched in with LD_PRELOAD) must print the same; each run's
# dgels_/LAPACKE_dgels bindings are checked to be the library it claims.
shimtest: $(SHIM)
	$(CC) $(CWARN) $(CFLAGS) shim/shim_calls.c -llapacke -llapack -o $(BUILD)/shim_real
	$(CC) $(CWARN) $(CFLAGS) shim/shim_calls.c -L$(BUILD) -lsia_lapack -lsia -Wl,-rpath,'$$ORIGIN' -o $(BUILD)/shim_sia
	sh shim/check_binding.sh '/liblapacke?\.so' '' ./$(BUILD)/shim_real > $(BUILD)/shim_real.txt
	sh shim/check_binding.sh '/libsia_lapack\.so' '' ./$(BUILD)/shim_sia > $(BUILD)/shim_sia.txt
	sh shim/check_binding.sh '/libsia_lapack\.so' $(CURDIR)/$(SHIM) ./$(BUILD)/shim_real > $(BUILD)/shim_preload.txt
	diff $(BUILD)/shim_real.txt $(BUILD)/shim_sia.txt
	diff $(BUILD)/shim_real.txt $(BUILD)/shim_preload.txt
	@echo "shimtest: $$(wc -l < $(BUILD)/shim_real.txt) lines identical to Debian LAPACK (linked and LD_PRELOAD)"

# xlintstd: LAPACK's own DLS/DQR/DLQ tests (Debian's liblapack-test) with
# the shim preloaded; the binding of dgels_ is verified and the summary
# lines parsed (shim/xlintstd.sh).
xlintstd: $(SHIM)
	shim/xlintstd.sh $(SHIM) $(BUILD)/xlintstd

# figures: regenerate the committed data behind README's figures, derive
# the tables and quoted numbers from it (scripts/derive_figures.py) and copy
# them into README (scripts/readme_figures.py); figures-check (in make test)
# fails when a derived file differs from what its data gives, a README
# figure differs from its committed file, or a measured figure in the prose
# of README or docs/ is in no file its paragraph cites and not listed with
# a reason in scripts/prose-figures.txt (scripts/prose_figures.py). FULL=1 also reruns the long
# benchmarks (make bench-index, ~12 min; build/bench into
# bench/results-devmachine.csv); without it their committed CSVs are used.
figures: $(SHIM) $(BUILD)/test_extremes $(BUILD)/test_memory $(if $(FULL),$(BUILD)/bench)
	scripts/accuracy-figures.sh
	scripts/measure-figures.sh
	$(if $(FULL),$(MAKE) --no-print-directory bench-index BENCH_INDEX_OUT=bench/index)
	$(if $(FULL),OPENBLAS_NUM_THREADS=1 ./$(BUILD)/bench > $(BUILD)/results.csv && mv $(BUILD)/results.csv bench/results-devmachine.csv)
	$(if $(FULL),OPENBLAS_NUM_THREADS=1 ./$(BUILD)/bench -shifted > $(BUILD)/shifted.csv && mv $(BUILD)/shifted.csv bench/shifted/grid.csv)
	$(GO) run ./cmd/sia-perfplot -csv bench/results-devmachine.csv -out bench
	$(PYTHON) scripts/derive_figures.py
	$(PYTHON) scripts/readme_figures.py --write

figures-check:
	$(PYTHON) scripts/derive_figures.py --check
	$(PYTHON) scripts/readme_figures.py
	$(PYTHON) scripts/prose_figures.py
	cd patches/sindex && $(PYTHON) summarize.py --check-headline results/headline.md results/harness[56]-*.csv > /dev/null

# snippets: every C, C++, Go and Python code block of README.md and
# docs/*.md is a complete program; compile and run each (scripts/snippets.py:
# C/C++ with -Wall -Wextra -Werror against build/libsia.so, Go as Example
# functions with // Output:, Python as doctests).
snippets: $(LIB)
	$(PYTHON) scripts/snippets.py

# install: libraries with soname and version, headers, pkg-config file,
# CMake package and LICENSE under PREFIX (DESTDIR honoured). Installing as
# root into a directory the dynamic linker searches (/usr/local/lib on
# Debian) runs ldconfig, so programs find libsia.so.0 at once; otherwise it
# says how they can. uninstall removes exactly these files (INSTALLED) and
# the directories only libsia uses; install-test checks nothing is left.
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCDIR := $(DESTDIR)$(PREFIX)/include
DOCDIR := $(DESTDIR)$(PREFIX)/share/doc/libsia
INSTALLED := $(foreach l,libsia libsia_lapack,$(LIBDIR)/$(l).so.$(VERSION) $(LIBDIR)/$(l).so.$(MAJOR) $(LIBDIR)/$(l).so) \
             $(INCDIR)/sia.h $(INCDIR)/sia.hpp $(LIBDIR)/pkgconfig/sia.pc \
             $(LIBDIR)/cmake/sia/siaConfig.cmake $(LIBDIR)/cmake/sia/siaConfigVersion.cmake $(DOCDIR)/LICENSE
# After installing: ldconfig, or how programs can find the library.
define LDCONFIG_OR_SAY
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null && \
	    ldconfig -N -v 2>/dev/null | grep -q '^$(PREFIX)/lib:'; then \
	  ldconfig && echo "ran ldconfig: $(PREFIX)/lib is in the dynamic linker's path"; \
	else \
	  echo "note: programs find libsia.so.$(MAJOR) at run time only if $(PREFIX)/lib is in the dynamic linker's"; \
	  echo "      path: run ldconfig as root (when it is in /etc/ld.so.conf), or link with -Wl,-rpath,$(PREFIX)/lib,"; \
	  echo "      or set LD_LIBRARY_PATH=$(PREFIX)/lib"; \
	fi
endef
install: $(LIB) $(SHIM)
	install -d $(LIBDIR)/pkgconfig $(LIBDIR)/cmake/sia $(INCDIR) $(DOCDIR)
	install -m 755 $(LIB) $(LIBDIR)/libsia.so.$(VERSION)
	ln -sf libsia.so.$(VERSION) $(LIBDIR)/libsia.so.$(MAJOR)
	ln -sf libsia.so.$(MAJOR) $(LIBDIR)/libsia.so
	install -m 755 $(SHIM) $(LIBDIR)/libsia_lapack.so.$(VERSION)
	ln -sf libsia_lapack.so.$(VERSION) $(LIBDIR)/libsia_lapack.so.$(MAJOR)
	ln -sf libsia_lapack.so.$(MAJOR) $(LIBDIR)/libsia_lapack.so
	install -m 644 include/sia.h include/sia.hpp $(INCDIR)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' packaging/sia.pc.in > $(LIBDIR)/pkgconfig/sia.pc
	for f in siaConfig siaConfigVersion; do \
	  sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' packaging/$$f.cmake.in > $(LIBDIR)/cmake/sia/$$f.cmake; done
	install -m 644 LICENSE $(DOCDIR)/LICENSE
	$(LDCONFIG_OR_SAY)

uninstall:
	rm -f $(INSTALLED)
	@# libsia's own directories, then the shared ones install may have created, each only if empty
	@rmdir $(LIBDIR)/cmake/sia $(DOCDIR) $(LIBDIR)/cmake $(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/share/doc 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null && \
	    ldconfig -N -v 2>/dev/null | grep -q '^$(PREFIX)/lib:'; then ldconfig && echo "ran ldconfig"; fi

# install-test: install into a temporary prefix, build consumers with
# pkg-config and with CMake against it and run them; then uninstall and
# require that no file or link is left and that install wrote nothing
# uninstall does not know of.
install-test: $(LIB) $(SHIM)
	rm -rf $(BUILD)/prefix $(BUILD)/consumer
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(BUILD)/prefix
	$(CC) $(CWARN) ctest/quickstart.c $$(PKG_CONFIG_PATH=$(BUILD)/prefix/lib/pkgconfig pkg-config --cflags --libs sia) \
	  -Wl,-rpath,$(CURDIR)/$(BUILD)/prefix/lib -o $(BUILD)/consumer_pc
	./$(BUILD)/consumer_pc | tail -n 1
	cmake -S packaging/consumer -B $(BUILD)/consumer -DCMAKE_PREFIX_PATH=$(CURDIR)/$(BUILD)/prefix >/dev/null
	cmake --build $(BUILD)/consumer >/dev/null
	./$(BUILD)/consumer/consumer_c | tail -n 1
	./$(BUILD)/consumer/consumer_cxx
	@n=$$(find $(BUILD)/prefix ! -type d | wc -l); [ $$n -ge 12 ] || { echo "install-test: only $$n files installed"; exit 1; }
	$(MAKE) --no-print-directory uninstall PREFIX=$(CURDIR)/$(BUILD)/prefix
	@left=$$(find $(BUILD)/prefix ! -type d; find $(BUILD)/prefix -type d \( -name sia -o -name libsia -o -name cmake -o -name pkgconfig \)); \
	  if [ -n "$$left" ]; then echo "install-test: make uninstall left:"; echo "$$left"; exit 1; fi
	@echo "install-test: pkg-config and CMake consumers built and ran; make uninstall left nothing"

demo: lib
	$(GO) run ./cmd/siademo

# test: every part in TEST_PARTS in order, each as its own make run; a
# failing part does not stop the others. The last line is the summary
# "make test: N passed, N failed" (with the failed parts named), and the
# exit status is non-zero if any failed. deps runs first and alone: without
# the packages nothing else can run.
TEST_PARTS := makecheck vet figures-check snippets gotest crash damage ctest faulttest lazyload shimtest xlintstd install-test \
              pytest pyinstall-test asan fuzz bench-index-smoke gpu-check-smoke
# With PoCL installed the OpenCL tests must run, not skip (as in .ci/run).
test: export SIA_REQUIRE_OPENCL := $(or $(SIA_REQUIRE_OPENCL),$(if $(wildcard /etc/OpenCL/vendors/pocl.icd),1))
test: deps
	@pass=0; fail=0; failed=""; \
	for p in $(TEST_PARTS); do \
	  echo "=== make $$p"; \
	  if $(MAKE) --no-print-directory $$p; then pass=$$((pass + 1)); \
	  else fail=$$((fail + 1)); failed="$$failed $$p"; echo "=== make $$p FAILED"; fi; \
	done; \
	echo "make test: $$pass passed, $$fail failed$${failed:+ (failed:$$failed)}"; \
	[ $$fail -eq 0 ]

# makecheck: the Makefile keeps its promises (scripts/check-make.sh): `make
# help` names every target, benchmarks write only to build/, README's Go
# version is go.mod's.
makecheck:
	@sh scripts/check-make.sh

vet:
	@fmt=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$fmt" ]; then echo "gofmt needed:"; echo "$$fmt"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

gotest:
	$(GO) test -race -short -count=1 -timeout 30m ./...
	$(GO) test -short -count=1 ./device/cpu   # the engine suite on every kernel (-race runs the default one)
	$(GO) test -count=1 -tags purego ./device/cpu   # the portable build alone
	$(GO) test -short -count=1 -tags purego ./solver   # the solver's accuracy and refusal tests on the portable kernels
	$(GO) test -count=1 -run '^TestHeapPerModel$$' ./memo   # real heap per model vs sia_memo_stats (not under -race/-short)

CTESTS := $(BUILD)/test_gels $(BUILD)/test_extremes $(BUILD)/test_semantics $(BUILD)/test_device $(BUILD)/test_stress \
          $(BUILD)/test_memory $(BUILD)/test_cpp $(BUILD)/test_index $(BUILD)/quickstart

$(BUILD)/%: ctest/%.c ctest/check.h include/sia.h $(LIB)
	$(CC) $(CWARN) $(CFLAGS) -pthread -Iinclude $< -L$(BUILD) -lsia -llapacke -lm -Wl,-rpath,'$$ORIGIN' -o $@

$(BUILD)/test_cpp: ctest/test_cpp.cpp include/sia.hpp include/sia.h $(LIB)
	$(CXX) -std=c++17 -Wall -Wextra -Werror $(CFLAGS) -Iinclude $< -L$(BUILD) -lsia -llapacke -Wl,-rpath,'$$ORIGIN' -o $@

$(BUILD)/test_index: ctest/test_index.cpp ctest/mini_index.hpp include/sia.hpp include/sia.h $(LIB)
	$(CXX) -std=c++17 -Wall -Wextra -Werror $(CFLAGS) -Iinclude $< -L$(BUILD) -lsia -Wl,-rpath,'$$ORIGIN' -o $@

# lazyload: loading libsia (or the LAPACK shim) and small calls under the
# default device leave OpenCL unloaded and cost at most 2 MB more resident
# memory than SIA_DEVICE=cpu; sia_device_describe does load it (the control).
$(BUILD)/test_lazy_load: ctest/test_lazy_load.c ctest/check.h include/sia.h $(LIB)
	$(CC) $(CWARN) $(CFLAGS) -Iinclude $< -L$(BUILD) -lsia -ldl -Wl,-rpath,'$$ORIGIN' -o $@
lazyload: $(BUILD)/test_lazy_load $(SHIM)
	./$(BUILD)/test_lazy_load

ctest: $(CTESTS) $(BUILD)/bench   # the benchmark is built (not run) so it cannot rot
	@if ldd $(LIB) | grep -qiE 'opencl|lapack|blas'; then echo "libsia.so must link libc only:"; ldd $(LIB); exit 1; fi
	@sh ctest/check_symbols.sh $(LIB) include/sia.h
	@for t in $(CTESTS); do echo "== $$t"; ./$$t 2>/dev/null >/tmp/sia-ctest.$$$$ || { cat /tmp/sia-ctest.$$$$; ./$$t >/dev/null; exit 1; }; tail -n 1 /tmp/sia-ctest.$$$$; done

OPENBLAS_INC := /usr/include/x86_64-linux-gnu/openblas-pthread

# fuzz: every fuzz target for FUZZTIME each. A count, not a duration: with a
# duration Go 1.26's fuzz coordinator can report a spurious "context deadline
# exceeded" failure at the deadline on a loaded machine (golang/go#75804,
# fixed in Go 1.27; seen here in CI: FuzzColdTrain, no crasher written).
FUZZTIME ?= 60000x
FUZZ_TARGETS := FuzzColdTrain FuzzIncreTrain FuzzIncreTrainShifted FuzzMergeAndBatch
fuzz:
	@for f in $(FUZZ_TARGETS); do echo "== $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 500x ./solver || exit 1; done
	@echo "== FuzzDecode (durable records)"; $(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 500x ./memo
	@echo "== FuzzOpen (durable memo files)"; $(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 500x ./memo

# pytest: the Python binding's unittest suite (Debian's python3 + numpy).
PYTHON ?= /usr/bin/python3
pytest: $(LIB)
	cd bindings/python && SIA_LIBRARY=$(CURDIR)/$(LIB) $(PYTHON) -m unittest discover -s tests

# wheel: build/sia-<version>-py3-none-<platform>.whl with libsia.so inside
# (bindings/python/setup.py runs `make lib`), offline with Debian's
# setuptools and wheel; installs anywhere with `pip install --no-index`.
wheel:
	rm -f $(BUILD)/sia-*.whl
	$(PYTHON) -m pip wheel --no-deps --no-index --no-build-isolation -w $(BUILD) ./bindings/python
	@$(PYTHON) -c "import sys, zipfile, glob; w = glob.glob('$(BUILD)/sia-*.whl')[0]; \
	  sys.exit('libsia.so missing from ' + w if 'sia/libsia.so' not in zipfile.ZipFile(w).namelist() else 0)"

# pyinstall-test: fresh virtual environments (Debian's numpy visible through
# --system-site-packages, nothing from the network): `pip install
# ./bindings/python` builds and bundles libsia.so; the wheel installs with a
# PATH that has no Go and no compiler; where a package index is reachable,
# also a plain venv (numpy, setuptools and wheel from the index). The suite
# runs against each, outside the source tree, without SIA_LIBRARY, checking
# the bundled library is used.
PYVENV := $(CURDIR)/$(BUILD)/pyvenv
pyinstall-test:
	rm -rf $(PYVENV)-src $(PYVENV)-whl
	$(PYTHON) -m venv --system-site-packages $(PYVENV)-src
	env -u SIA_LIBRARY $(PYVENV)-src/bin/python -m pip install -q --no-index --no-build-isolation ./bindings/python
	cd $(BUILD) && env -u SIA_LIBRARY SIA_EXPECT_BUNDLED=1 $(PYVENV)-src/bin/python -m unittest discover -s $(CURDIR)/bindings/python/tests
	$(MAKE) --no-print-directory wheel
	$(PYTHON) -m venv --system-site-packages $(PYVENV)-whl
	cd $(BUILD) && env -i HOME=$$HOME PATH=$(PYVENV)-whl/bin $(PYVENV)-whl/bin/python -m pip install -q --no-index sia-*.whl
	cd $(BUILD) && env -i HOME=$$HOME PATH=$(PYVENV)-whl/bin SIA_EXPECT_BUNDLED=1 $(PYVENV)-whl/bin/python -m unittest discover -s $(CURDIR)/bindings/python/tests
	@if $(PYTHON) -c "import os, urllib.request as u; u.urlopen(os.environ.get('PIP_INDEX_URL', 'https://pypi.org/simple').rstrip('/') + '/pip/', timeout=5)" 2>/dev/null; then \
	  rm -rf $(PYVENV)-plain && $(PYTHON) -m venv $(PYVENV)-plain && \
	  env -u SIA_LIBRARY $(PYVENV)-plain/bin/python -m pip install -q ./bindings/python && \
	  cd $(BUILD) && env -u SIA_LIBRARY SIA_EXPECT_BUNDLED=1 $(PYVENV)-plain/bin/python -m unittest discover -s $(CURDIR)/bindings/python/tests; \
	else echo "pyinstall-test: no package index reachable: the plain-venv install (numpy, setuptools, wheel from the index) was not tried"; fi
	@echo "pyinstall-test: source install and offline wheel install both import the bundled libsia"

# crash: the durable memo survives SIGKILL at random moments (50 kills).
crash:
	SIA_CRASH_ITERS=50 $(GO) test -count=1 -run '^TestCrashRecovery$$' ./solver

# damage: the durable memo's damage sweep (memo/sweep_test.go): ~1 200
# cuts and 300 byte flips of a memo file and of a 0.2 file, each opened in
# a fresh process under ulimit -v and a time limit (not under -race; the
# power-loss and concurrency tests run in gotest). DAMAGE_OUT=file appends
# the tallies to file (bench/reliability/ keeps a run's).
.PHONY: damage
damage:
	@mkdir -p $(BUILD)
	SIA_SWEEP_OUT=$(DAMAGE_OUT) $(GO) test -count=1 -run '^TestDamageSweep$$' -v ./memo > $(BUILD)/damage.txt; rc=$$?; \
	  grep -E '^(---|ok|FAIL)|sweep_test|Error|Messages' $(BUILD)/damage.txt; exit $$rc

# asan: hostile calls and the LAPACKE comparison under AddressSanitizer
# (and UBSan), against a libsia that is itself instrumented:
# build/asan/libsia.so is built with Go's -asan (cgo and $(ASAN_CC); GCC 7+
# or clang 9+) and -tags purego (the portable Go kernels: assembly is not
# instrumented), so every load and store libsia makes -- its reads of the
# caller's a and b, its writes of b, its own scratch -- is checked against
# ASan's shadow memory, and Go heap objects get red zones. The harness is
# built with -fsanitize=address,undefined and linked to that library (both
# checked below). Not checked here: the assembly kernels of the normal
# build (device/cpu's tests check them against plain loops with guard
# elements), and leaks (detect_leaks=0: the Go heap is not malloc's).
ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -O1 -g
ASANLIB := $(BUILD)/asan/libsia.so
# go build -asan recognizes the compiler by name ("cc" is refused); the
# harness uses the same one, so that one ASan runtime is loaded.
ASAN_CC ?= gcc
$(ASANLIB): $(GOSRC) Makefile   # Makefile: the build flags
	@mkdir -p $(BUILD)/asan
	CC=$(ASAN_CC) $(GO) build -asan -tags purego -buildmode=c-shared -ldflags '-extldflags -Wl,-soname,libsia.so.$(MAJOR)' -o $@ ./capi
	@rm -f $(BUILD)/asan/libsia.h
	@ln -sf libsia.so $(BUILD)/asan/libsia.so.$(MAJOR)
asan: $(ASANLIB)
	$(ASAN_CC) $(CWARN) $(ASAN) -Iinclude ctest/test_hostile.c -L$(BUILD)/asan -lsia -lm -Wl,-rpath,'$$ORIGIN' -o $(BUILD)/asan/test_hostile
	$(ASAN_CC) $(CWARN) $(ASAN) -Iinclude ctest/test_gels.c -L$(BUILD)/asan -lsia -llapacke -lm -Wl,-rpath,'$$ORIGIN' -o $(BUILD)/asan/test_gels
	@nm -D $(ASANLIB) | grep -q ' T __asan_read_go' || { echo "$(ASANLIB) is not instrumented"; exit 1; }
	@ldd $(BUILD)/asan/test_hostile | grep -q '$(CURDIR)/$(BUILD)/asan/libsia.so' || { echo "test_hostile does not load $(ASANLIB):"; ldd $(BUILD)/asan/test_hostile; exit 1; }
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 ./$(BUILD)/asan/test_hostile > $(BUILD)/asan/hostile.txt; rc=$$?; tail -n 1 $(BUILD)/asan/hostile.txt; exit $$rc
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 ./$(BUILD)/asan/test_gels > $(BUILD)/asan/gels.txt 2>/dev/null; rc=$$?; tail -n 1 $(BUILD)/asan/gels.txt; exit $$rc

$(BUILD)/bench: ctest/bench.c ctest/check.h include/sia.h $(LIB)
	$(CC) $(CWARN) $(CFLAGS) -Iinclude -I$(OPENBLAS_INC) $< -L$(BUILD) -lsia -llapacke -lopenblas -lm -Wl,-rpath,'$$ORIGIN' -o $@

# bench: Go kernel benchmarks per implementation, then the side-by-side
# comparison with OpenBLAS/LAPACKE (CSV on stdout and in build/bench.csv,
# the GFLOP/s plots in build/update-gflops-k*.{svg,png}; BENCHFLAGS=-quick
# for 10x smaller problems, -update, -pass, -layout or -cold for one part).
# `make figures FULL=1` reruns it into bench/results-devmachine.csv.
bench: deps $(BUILD)/bench
	$(GO) test -run '^$$' -bench . -benchtime 200x ./device/cpu ./memo ./solver
	OPENBLAS_NUM_THREADS=1 ./$(BUILD)/bench $(BENCHFLAGS) | tee $(BUILD)/bench.csv
	$(GO) run ./cmd/sia-perfplot -csv $(BUILD)/bench.csv -out $(BUILD)
	OPENBLAS_NUM_THREADS=1 ./$(BUILD)/bench $(filter -quick,$(BENCHFLAGS)) -shifted | tee $(BUILD)/shifted.csv

# bench-index: the learned index's end-to-end benchmark (cmd/sia-bench):
# YCSB D, E and a 50/50 mix over 1M keys of 16, 32 and 64 bytes, B-tree vs
# full refit vs incremental vs ideal, plus the retraining sweep; CSV, SVG
# plots and table.md in BENCH_INDEX_OUT (build/index-bench/). About 12
# minutes on 2 cores (3 runs each). The committed data behind the figures
# (bench/index/) is rewritten only on purpose: `make figures FULL=1`.
BENCH_INDEX_OUT ?= $(BUILD)/index-bench
bench-index:
	@mkdir -p $(BENCH_INDEX_OUT)
	$(GO) run ./cmd/sia-bench -out $(BENCH_INDEX_OUT) $(BENCHINDEXFLAGS) | tee $(BENCH_INDEX_OUT)/table.md

# bench-index-smoke: the same benchmark at 20k keys (CI), into build/.
bench-index-smoke:
	$(GO) run ./cmd/sia-bench -quick -out $(BUILD)/bench-index

# gpu-kit: the OpenCL loader (Debian's ocl-icd-libopencl1, dpkg -x) and the
# prebuilt binaries scripts/gpu-check.sh runs on a GPU machine without Go.
gpu-kit:
	scripts/gpu-kit.sh $(BUILD)/gpu-kit

# gpu-check-smoke: scripts/gpu-check.sh end to end against PoCL, short grid.
gpu-check-smoke: gpu-kit
	scripts/gpu-check.sh --pocl --quick --kit $(BUILD)/gpu-kit --out $(BUILD)/gpu-check-smoke

# deps: the Debian packages the tests need; prints what is missing and why,
# installs it as root (scripts/deps.sh; --list for the whole table).
GO_MIN := $(shell sed -n 's/^go //p' go.mod)
deps:
	@sh scripts/deps.sh
	@command -v $(GO) >/dev/null || { echo "Go $(GO_MIN) or later is required (go.mod; https://go.dev/dl/)"; exit 1; }

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,/^$$/p' Makefile | sed -e 's/^# \{0,1\}//' -e 's/^  //'


# README promises that `make` alone builds the libraries: fail every make run
# if another target has become the default goal.
ifneq ($(.DEFAULT_GOAL),all)
$(error the default goal is '$(.DEFAULT_GOAL)', not 'all': move 'all' back to the top of the Makefile)
endif
