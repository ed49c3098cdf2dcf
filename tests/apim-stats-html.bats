#!/usr/bin/env bats
# apim-stats-html.bats: the HTML report is one self-contained file; Debian's
# chromium, headless, renders it with no console message and its charts in
# the DOM.
bats_require_minimum_version 1.5.0
load helper

setup() { cd "$BATS_TEST_TMPDIR"; }

# chromium, headless, offline: the DOM on stdout, its log (console
# messages included) in chromium.log.
chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$(mktemp -d)" \
	    --enable-logging=stderr --v=0 --dump-dom "file://$1" 2> chromium.log
}

need_chromium() {
	command -v chromium > /dev/null ||
	    skip "chromium is not installed (apt-get install -y chromium, or make deps)"
}

@test "the HTML report is one file that needs nothing else" {
	gen-events --count 3000 --span 2h --error-rate 0.05 --throttle-rate 0.05 > ev
	run apim-stats --html -o report.html ev
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(head -1 report.html)" = "<!DOCTYPE html>" ]
	# no scripts, no style sheets or images from elsewhere
	run grep -Eic '<script|<link|<img|<iframe|src=|url\(|@import' report.html
	[ "$output" = 0 ]
	# (the SVG namespace is a name, not a link)
	[ -z "$(grep -Eo 'https?://[^"]*' report.html | grep -vx 'http://www.w3.org/2000/svg')" ]
	# WSO2's four views and the charts
	for h in "API usage" Latency Faults Throttling; do grep -q "<h2>$h</h2>" report.html; done
	[ "$(grep -c '<svg' report.html)" -eq 7 ]
	# its numbers are the report's
	n=$(jq -s length ev)
	grep -q "<div class=\"v\">$n</div><div class=\"n\">requests</div>" report.html
	# an API name with markup is escaped
	echo '{"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-11-27T00:30:00Z","apiName":"<b>x</b>&","proxyResponseCode":200,"responseLatency":5}' >> ev
	apim-stats --html -o report.html ev
	grep -q '&lt;b&gt;x&lt;/b&gt;&amp;' report.html
	run grep -c '<b>x</b>' report.html
	[ "$output" = 0 ]
	apim-stats --html < /dev/null | grep -q 'No events.'
}

@test "chromium headless can see a console error (the check below is not blind)" {
	need_chromium
	printf '<!DOCTYPE html><html><body><svg></svg><script>nosuch();</script></body></html>' > bad.html
	chrome "$PWD/bad.html" > dom.html
	grep -q '<svg' dom.html
	grep -q ':CONSOLE' chromium.log
	grep -q 'Uncaught ReferenceError' chromium.log
}

@test "chromium renders the report with no console message, its charts in the DOM" {
	need_chromium
	gen-events --count 5000 --span 6h --error-rate 0.05 --throttle-rate 0.05 --seed 3 > ev
	apim-stats --html -o report.html --by apiName --every 1h ev
	chrome "$PWD/report.html" > dom.html
	run grep -c ':CONSOLE' chromium.log
	[ "$output" = 0 ]
	run grep -ci 'uncaught\|error.*report.html' chromium.log
	[ "$output" = 0 ]
	# the charts, drawn: 7 SVG elements; bars, lines and labels inside
	[ "$(grep -o '<svg' dom.html | wc -l)" -eq 7 ]
	[ "$(grep -o '<rect' dom.html | wc -l)" -gt 100 ]
	[ "$(grep -o '<polyline' dom.html | wc -l)" -eq 4 ]
	grep -q 'aria-label="requests over time by status class"' dom.html
	grep -q 'aria-label="latency percentiles over time"' dom.html
	grep -q 'aria-label="top APIs by requests"' dom.html
	grep -q 'aria-label="most throttled applications"' dom.html
	grep -q '<h2>Report</h2>' dom.html
}
