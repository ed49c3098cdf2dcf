build-asan/lib/http.o: lib/http.c lib/http.h
lib/http.h:
