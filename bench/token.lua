-- wrk script for bench/token: client_credentials over keep-alive, Basic auth.
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
done = function(summary, latency, requests)
	io.write(string.format("non2xx %d\n", summary.errors.status))
end
