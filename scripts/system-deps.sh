#!/usr/bin/env bash
# Install the Debian packages the tests and benches use, when missing: Chromium (+driver)
# for the browser tests, net-snmp's command-line tools, valgrind for the instruction bench.
# Needs root and Debian's apt; elsewhere it says what is missing and the tests that need it
# skip with that reason.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v snmpget >/dev/null 2>&1 || need+=(snmp)
# a real net-snmp agent (v1/v2c/v3 error cases), promtool, the Prometheus snmp_exporter peer
[ -x /usr/sbin/snmpd ] || need+=(snmpd)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-snmp-exporter >/dev/null 2>&1 || need+=(prometheus-snmp-exporter)
# valgrind's callgrind for `make bench-instructions`
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
# Chinese glyphs for screenshots taken by headless Chromium
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${need[*]} (install them with your package manager); dependent tests will skip" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]} from Debian…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  echo "system-deps: apt-get install ${need[*]} failed; dependent tests will skip" >&2
fi
exit 0
