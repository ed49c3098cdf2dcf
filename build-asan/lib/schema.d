build-asan/lib/schema.o: lib/schema.c lib/schema.h
lib/schema.h:
