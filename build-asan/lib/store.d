build-asan/lib/store.o: lib/store.c lib/err.h lib/schema.h lib/store.h
lib/err.h:
lib/schema.h:
lib/store.h:
