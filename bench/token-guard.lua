-- wrk script for bench/token-guard: client_credentials over keep-alive with
-- BENCH_AUTH (a verified client, or an attacker's wrong secret); prints the
-- answers that were not 2xx and the 99th percentile latency in microseconds.
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
done = function(summary, latency, requests)
	io.write(string.format("non2xx %d\n", summary.errors.status))
	io.write(string.format("requests %d\n", summary.requests))
	io.write(string.format("p99us %d\n", latency:percentile(99)))
end
