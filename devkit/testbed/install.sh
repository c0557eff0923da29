#!/usr/bin/env bash
# Installs what the test bed needs, through the registries, into a cache outside the work tree:
#   $CACHE/kafka-3.9.1-<hash>/libs/*.jar   Apache Kafka broker + tools jars (Maven Central, from devkit/testbed/pom.xml;
#                                         <hash> = first 12 hex digits of the pom's sha256, so clones with another pom
#                                         use their own folder and never replace the jars under a running broker)
#   $CACHE/venv/                    Python venv with moto[server] and cfn-lint (PyPI, devkit/testbed/requirements.txt)
# CACHE = $KAFKA_PIPES_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/kafka-pipes-template.
#
# Idempotent: each part writes a marker holding the sha256 of its input file (pom.xml / requirements.txt);
# a second run with unchanged inputs does nothing. Safe to run concurrently (flock on $CACHE/.install.lock).
# Fails, naming what to install, when java, mvn or python3 is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KAFKA_PIPES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-pipes-template}"
POM="$HERE/pom.xml"
VENV_DIR="$CACHE/venv"
REQS="$HERE/requirements.txt"

log() { printf '[test-bed install] %s\n' "$*" >&2; }
die() { printf '[test-bed install] ERROR: %s\n' "$*" >&2; exit 1; }

need() {
  # need <command> <what to install>
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH. Install $2 and re-run (npm test runs this script as pretest)."
}

hash_of() { sha256sum "$1" | cut -d' ' -f1; }

# --- prerequisites ---------------------------------------------------------------------------------------------
need java "a Java runtime 17 or newer (e.g. 'apt-get install openjdk-17-jre-headless')"
need mvn "Apache Maven 3.6 or newer (e.g. 'apt-get install maven')"
need python3 "Python 3.9 or newer with the venv module (e.g. 'apt-get install python3 python3-venv')"
need sha256sum "GNU coreutils"
need flock "util-linux (flock)"

java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n1)"
[[ -n "$java_major" && "$java_major" -ge 17 ]] || die "Java 17 or newer is required (found '${java_major:-unknown}'). Install e.g. 'openjdk-17-jre-headless'."
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || die "Python 3.9 or newer is required (found $(python3 --version 2>&1)). Install python3 >= 3.9."
python3 -c 'import venv, ensurepip' 2>/dev/null \
  || die "Python's venv/ensurepip modules are missing. Install them (e.g. 'apt-get install python3-venv')."

mkdir -p "$CACHE"
exec 9>"$CACHE/.install.lock"
flock 9

# --- Kafka jars ------------------------------------------------------------------------------------------------
pom_hash="$(hash_of "$POM")"
KAFKA_DIR="$CACHE/kafka-3.9.1-${pom_hash:0:12}" # same rule as kafkaLibsDir() in install-paths.ts
if [[ "$(cat "$KAFKA_DIR/.installed" 2>/dev/null || true)" != "$pom_hash" ]]; then
  log "fetching Kafka 3.9.1 jars from Maven Central into $KAFKA_DIR/libs"
  started=$SECONDS
  rm -rf "$KAFKA_DIR"
  mkdir -p "$KAFKA_DIR"
  tmp="$KAFKA_DIR/libs.tmp"
  # Own local repository under the cache so the install does not depend on (or pollute) ~/.m2.
  (cd "$KAFKA_DIR" && mvn -B -q -Dstyle.color=never -f "$POM" \
      -Dmaven.repo.local="$CACHE/m2-repository" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp") >"$CACHE/mvn-install.log" 2>&1 \
    || { tail -n 40 "$CACHE/mvn-install.log" >&2; die "Maven could not fetch the Kafka jars (log above, full log in $CACHE/mvn-install.log). Check that Maven Central is reachable."; }
  ls "$tmp"/kafka_2.13-3.9.1.jar "$tmp"/kafka-tools-3.9.1.jar "$tmp"/slf4j-reload4j-*.jar >/dev/null \
    || die "Maven finished but the Kafka jars are missing from $tmp."
  mv "$tmp" "$KAFKA_DIR/libs"
  rm -rf "$KAFKA_DIR/target"
  printf '%s' "$pom_hash" >"$KAFKA_DIR/.installed"
  log "Kafka jars ready ($(ls "$KAFKA_DIR/libs" | wc -l) jars, $((SECONDS - started)) s)"
fi

# --- Python venv (moto server, cfn-lint) -----------------------------------------------------------------------
req_hash="$(hash_of "$REQS")"
if [[ "$(cat "$VENV_DIR/.installed" 2>/dev/null || true)" != "$req_hash" ]]; then
  log "creating Python venv with moto[server] and cfn-lint in $VENV_DIR"
  started=$SECONDS
  rm -rf "$VENV_DIR"
  python3 -m venv "$VENV_DIR" || die "python3 -m venv failed. Install the venv module (e.g. 'apt-get install python3-venv')."
  "$VENV_DIR/bin/python" -m pip install -q --upgrade pip \
    || die "pip could not upgrade itself. Check that PyPI is reachable."
  "$VENV_DIR/bin/python" -m pip install -q -r "$REQS" \
    || die "pip could not install $REQS (see the output above). Check that PyPI is reachable."
  [[ -x "$VENV_DIR/bin/moto_server" && -x "$VENV_DIR/bin/cfn-lint" ]] \
    || die "pip finished but moto_server / cfn-lint are missing from $VENV_DIR/bin."
  printf '%s' "$req_hash" >"$VENV_DIR/.installed"
  log "venv ready ($((SECONDS - started)) s)"
fi
