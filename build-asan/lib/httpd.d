build-asan/lib/httpd.o: lib/httpd.c lib/err.h lib/http.h lib/httpd.h \
 lib/loop.h lib/util.h
lib/err.h:
lib/http.h:
lib/httpd.h:
lib/loop.h:
lib/util.h:
