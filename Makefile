# apim: build, check, install, demo.  Plain make; dependencies via pkg-config.
PREFIX  ?= /usr/local
DESTDIR ?=
B       := build
VERSION := 0.1.0
PKGS    := sqlite3 jansson yaml-0.1 openssl libcurl

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS_ALL = -D_GNU_SOURCE -DAPIM_VERSION='"$(VERSION)"' \
	-DAPIM_PREFIX='"$(PREFIX)"' -Ilib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

LIBSRC  := $(wildcard lib/*.c)
LIBOBJ  := $(LIBSRC:lib/%.c=$(B)/lib/%.o)
PROGS   := $(patsubst bin/%.c,$(B)/bin/%,$(wildcard bin/*.c))
TESTSRC := $(wildcard tests/unit/*.c)
TESTBIN := $(TESTSRC:tests/unit/%.c=$(B)/tests/%)
MANS    := $(wildcard man/*.[1-9])

.PHONY: all deps check check-sanitize demo install clean lint bench
all: $(PROGS) $(TESTBIN)

deps:
	@sh tools/deps.sh

$(B)/lib/%.o: lib/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/bin/%.o: bin/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/libapim.a: $(LIBOBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/bin/%: $(B)/bin/%.o $(B)/libapim.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(B)/tests/%: tests/unit/%.c $(B)/libapim.a | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $^ $(LDLIBS_ALL)

-include $(LIBOBJ:.o=.d) $(PROGS:=.d)

lint:
	mandoc -Tlint -W warning $(MANS)

check: all
	@sh tests/run.sh

# The same suites against an AddressSanitizer + UndefinedBehaviorSanitizer build.
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
check-sanitize:
	@$(MAKE) --no-print-directory B=build-san CFLAGS="$(SANFLAGS)" LDFLAGS="$(SANFLAGS)" all
	@APIM_BUILD=$(CURDIR)/build-san APIM_SANITIZE=1 \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    sh tests/run.sh

demo: all
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

# apim-proxy alone: libcurl is opened on first use (lib/lazy/curl_lazy.c), not
# at exec, and the linker drops libraries nothing uses (--as-needed) and
# optimises the symbol hash tables (-O1): under inetd every connection pays
# the start-up (see apim-proxy(8)).  This rule overrides $(B)/bin/% for it.
PROXY_OBJ := $(B)/bin/apim-proxy.o $(B)/lib/lazy/curl_lazy.o $(B)/libapim.a
$(B)/bin/apim-proxy: $(PROXY_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,-O1 -Wl,--as-needed -o $@ $(PROXY_OBJ) \
	    $(filter-out -lcurl,$(LDLIBS_ALL)) -ldl
-include $(B)/lib/lazy/curl_lazy.d
