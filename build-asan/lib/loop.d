build-asan/lib/loop.o: lib/loop.c lib/err.h lib/loop.h lib/util.h
lib/err.h:
lib/loop.h:
lib/util.h:
