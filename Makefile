# apim: build, check, install, demo, fuzz.  Plain make; dependencies via pkg-config.
#   make                  build/bin/* and build/tests/*; never installs anything:
#                         if a compiler or library is missing it says which
#                         Debian packages to install, and stops
#   make deps             install the missing Debian packages (as root)
#   make check            every suite; as root, installs missing packages first
#                         (SUITES="tests/a.bats ..." runs only those)
#   make check-sanitize   the suites against an ASan+UBSan build; any sanitizer
#                         report, in any process's log, fails it
#   make fuzz             build tests/fuzz/*_fuzz.c with libFuzzer and run each
#                         for FUZZ_SECONDS (default 10)
#   WERROR=1              warnings are errors: the default in a git checkout and
#                         in CI; WERROR=0 (the default in a release tarball)
#                         lets a newer compiler's new warnings through
PREFIX  ?= /usr/local
DESTDIR ?=
B       := build
VERSION := 0.1.0
PKGS    := sqlite3 jansson yaml-0.1 openssl libcurl

CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?= $(if $(wildcard .git),1,0)
# apim-proxy's libraries linked into it, and position-independent (see its
# rule at the end)
PROXY_STATIC ?= 0
PROXY_SHARED ?= 0
PROXY_PIE ?= 1
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	$(if $(filter 1,$(WERROR)),-Werror)
CPPFLAGS_ALL = -D_GNU_SOURCE -DAPIM_VERSION='"$(VERSION)"' \
	-DAPIM_PREFIX='"$(PREFIX)"' -Ilib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

LIBSRC  := $(wildcard lib/*.c)
LIBOBJ  := $(LIBSRC:lib/%.c=$(B)/lib/%.o)
PROGS   := $(patsubst bin/%.c,$(B)/bin/%,$(wildcard bin/*.c))
TESTSRC := $(wildcard tests/unit/*.c)
TESTBIN := $(TESTSRC:tests/unit/%.c=$(B)/tests/%)
MANS    := $(wildcard man/*.[1-9])

.PHONY: all deps build-deps check check-sanitize demo install clean lint bench fuzz
all: $(PROGS) $(TESTBIN) $(B)/tests/apim-proxy-static

# objects are kept (not intermediates), so a no-op make relinks nothing
.SECONDARY:

deps:
	@sh tools/deps.sh

# only reports: building never installs
build-deps:
	@sh tools/deps.sh --check build

# The compiler and flags of the last build: when they change (CC=, CFLAGS=,
# WERROR=), everything is rebuilt; when they don't, nothing is.  PREFIX is left
# out, as before, so that `make install PREFIX=...` (tests/foundation.bats does
# it while other suites run) never rebuilds build/: build with the PREFIX you
# install to (make clean; make PREFIX=...).
FLAGS_NOW := $(CC) $(filter-out -DAPIM_PREFIX=%,$(CPPFLAGS_ALL)) $(CPPFLAGS) \
	$(CFLAGS) $(WARN) $(LDFLAGS) $(LDLIBS_ALL) $(PROXY_STATIC) $(PROXY_SHARED) $(PROXY_PIE)
FLAGS_SQ  := $(subst ','\'',$(FLAGS_NOW))
ifneq ($(FLAGS_NOW),$(file <$(B)/.flags))
FLAGS_CHANGED := FORCE
endif
$(B)/.flags: $(FLAGS_CHANGED)
	@mkdir -p $(@D)
	@printf '%s\n' '$(FLAGS_SQ)' >$@
.PHONY: FORCE
FORCE:

$(B)/lib/%.o: lib/%.c $(B)/.flags | build-deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/bin/%.o: bin/%.c $(B)/.flags | build-deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/libapim.a: $(LIBOBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/bin/%: $(B)/bin/%.o $(B)/libapim.a $(B)/.flags
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(B)/bin/$*.o $(B)/libapim.a $(LDLIBS_ALL)

$(B)/tests/%: tests/unit/%.c $(B)/libapim.a $(B)/.flags | build-deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -MF $@.d -o $@ $< $(B)/libapim.a $(LDLIBS_ALL)

-include $(LIBOBJ:.o=.d) $(PROGS:=.d) $(TESTBIN:=.d)

lint:
	mandoc -Tlint -W warning $(MANS)
	python3 tools/bats-lint tests/*.bats tests/*.bash

# make check and make demo are the README's two commands: as root on Debian
# they install what is missing first (tools/deps.sh --ensure); otherwise they
# name it and stop.
check:
	@sh tools/deps.sh --ensure build test
	@$(MAKE) --no-print-directory all
	@sh tests/run.sh $(SUITES)

# The same suites against an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Every instrumented process (background servers too) writes its reports to
# build-san/san-logs/; tests/run.sh fails if any report is there and prints it.
# clang, because GCC's UBSan ignores log_path when ASan is linked too (its
# reports would only reach each process's stderr); SAN_CC=gcc still works,
# with that hole.
SAN_CC   ?= clang
# pointer-overflow stays recoverable so that tools/ubsan.supp can name open
# findings one by one; a suppressed report is not written at all, any other
# still fails the run.
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -fsanitize-recover=pointer-overflow
SANLOGS  := $(CURDIR)/build-san/san-logs
check-sanitize:
	@sh tools/deps.sh --ensure build test clang
	@$(MAKE) --no-print-directory B=build-san CC="$(SAN_CC)" CFLAGS="$(SANFLAGS)" LDFLAGS="$(SANFLAGS)" all
	@APIM_BUILD=$(CURDIR)/build-san APIM_SANITIZE=1 APIM_SAN_LOGS=$(SANLOGS) \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:log_path=$(SANLOGS)/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SANLOGS)/ubsan:suppressions=$(CURDIR)/tools/ubsan.supp \
	    sh tests/run.sh $(SUITES)

# libFuzzer harnesses: every tests/fuzz/NAME_fuzz.c, linked with the library
# built by clang with the same sanitizers; seeds in tests/fuzz/NAME/ (read
# only: new inputs go to $(B)/fuzz/corpus/NAME, crashes to $(B)/fuzz/).
FUZZ_SECONDS ?= 10
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZSRC  := $(wildcard tests/fuzz/*_fuzz.c)
FUZZBIN  := $(FUZZSRC:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZOBJ  := $(LIBSRC:lib/%.c=$(B)/fuzz/lib/%.o)

$(B)/fuzz/lib/%.o: lib/%.c | fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARN) -MMD -MP -c -o $@ $<

$(B)/fuzz/%: tests/fuzz/%.c $(FUZZOBJ) | fuzz-deps
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) -MMD -MP -MF $@.d -o $@ $< $(FUZZOBJ) $(LDLIBS_ALL)

-include $(FUZZOBJ:.o=.d) $(FUZZBIN:=.d)

.PHONY: fuzz-deps fuzz-build
fuzz-deps:
	@sh tools/deps.sh --check build clang
fuzz-build: $(FUZZBIN)
fuzz: fuzz-build
	@sh tools/fuzz.sh $(B)/fuzz $(FUZZ_SECONDS) $(FUZZBIN)

demo:
	@sh tools/deps.sh --ensure build test
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

bench: all
	@for b in bench/*; do [ -x "$$b" ] && "$$b"; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/apim
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MANS); do s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	if [ -d share ]; then cp -R share/. $(DESTDIR)$(PREFIX)/share/apim/; fi
	install -d $(DESTDIR)$(PREFIX)/share/apim/etc
	cp -R etc/. $(DESTDIR)$(PREFIX)/share/apim/etc/

clean:
	rm -rf $(B) build-san

# apim-proxy alone: under inetd every connection pays its start-up (see
# apim-proxy(8); bench/proxy measures it), so it is linked for that.  This rule
# overrides $(B)/bin/% for it.
# - OpenSSL and libcurl, the libraries that face the network, stay shared, so
#   that Debian's security updates reach the gateway that terminates TLS
#   without a rebuild; but they are opened with dlopen on first use
#   (lib/lazy/crypto_lazy.c, lib/lazy/curl_lazy.c: TLS on the front, a
#   signature to check or make, an https:// backend), not at exec: relocating
#   libcrypto was most of what an inetd request cost.  The link has no -lssl
#   -lcrypto -lcurl, so a call added without a wrapper there fails it.
# - SQLite, jansson and libyaml are linked in from their static archives (the
#   -dev packages ship them): binding them costs a process about 0.5 ms, and
#   the gateway runs only its own SQL on its own store.  PROXY_SHARED=1 links
#   them shared instead (then rebuild apim-proxy after their updates too).
# - PROXY_STATIC=1 links OpenSSL in as well, with no wrapper (libc stays
#   shared); $(B)/tests/apim-proxy-static is always built so, for the tests
#   and bench/proxy.
# - PROXY_PIE=0 links it at a fixed address (fewer relocations, no
#   address-space randomisation for its own code); the default keeps PIE.
# --as-needed drops what nothing uses; -O1 optimises the symbol hash tables.
comma := ,
PROXY_LIBS_STATIC := -Wl$(comma)-Bstatic $(filter-out -lcurl -lm,$(LDLIBS_ALL)) \
	-Wl$(comma)-Bdynamic
PROXY_LIBS_LAZY := $(if $(filter 1,$(PROXY_SHARED)),,-Wl$(comma)-Bstatic) \
	$(filter-out -lcurl -lm -lssl -lcrypto,$(LDLIBS_ALL)) \
	$(if $(filter 1,$(PROXY_SHARED)),,-Wl$(comma)-Bdynamic)
PROXY_OBJ := $(B)/bin/apim-proxy.o $(B)/lib/lazy/curl_lazy.o $(B)/libapim.a
PROXY_LAZY := $(if $(filter 1,$(PROXY_STATIC)),,$(B)/lib/lazy/crypto_lazy.o)
PROXY_LIBS := $(if $(filter 1,$(PROXY_STATIC)),$(PROXY_LIBS_STATIC),$(PROXY_LIBS_LAZY))
$(B)/bin/apim-proxy: $(PROXY_LAZY) $(PROXY_OBJ) $(B)/.flags
	$(CC) $(CFLAGS) $(LDFLAGS) $(if $(filter 0,$(PROXY_PIE)),-no-pie) \
	    -Wl,-O1 -Wl,--as-needed -o $@ $(PROXY_LAZY) $(PROXY_OBJ) $(PROXY_LIBS) \
	    -lm -ldl -lpthread
$(B)/tests/apim-proxy-static: $(PROXY_OBJ) $(B)/.flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(if $(filter 0,$(PROXY_PIE)),-no-pie) \
	    -Wl,-O1 -Wl,--as-needed -o $@ $(PROXY_OBJ) $(PROXY_LIBS_STATIC) -lm -ldl -lpthread
-include $(B)/lib/lazy/curl_lazy.d $(B)/lib/lazy/crypto_lazy.d
