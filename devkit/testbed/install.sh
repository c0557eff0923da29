#!/usr/bin/env bash
# Installs what the test bed needs, through the registries, into a cache outside the work tree:
#   $CACHE/kafka-<version>-<hash>/libs/*.jar  Apache Kafka broker + tools jars of one broker version (Maven Central,
#                                         from devkit/testbed/pom.xml with -Dkafka.version=<version>; <hash> = first
#                                         12 hex digits of the pom's sha256, so clones with another pom use their own
#                                         folder and never replace the jars under a running broker)
#   $CACHE/kafka-<version>-<hash>/iam-validator-<src>/  the test bed's MSK IAM token validator (java/MskIamTokenValidator.java)
#                                         compiled with javac against that version's jars; <src> = first 12 hex
#                                         digits of the source's sha256 (the OAUTHBEARER listener, iam-listener.ts)
#   $CACHE/venv/                    Python venv with moto[server] and cfn-lint (PyPI, devkit/testbed/requirements.txt)
# CACHE = $KAFKA_PIPES_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/kafka-pipes-template.
#
# Usage: install.sh [<kafka version>...]   (default: every version listed in devkit/testbed/kafka-versions.txt)
#
# Idempotent: each part writes a marker holding the sha256 of its input file (pom.xml per Kafka version,
# requirements.txt); a second run with unchanged inputs does nothing. Safe to run concurrently (flock on
# $CACHE/.install.lock). Fails, naming what to install, when java, mvn or python3 is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KAFKA_PIPES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-pipes-template}"
POM="$HERE/pom.xml"
VERSIONS_FILE="$HERE/kafka-versions.txt"
VALIDATOR_SRC="$HERE/java/MskIamTokenValidator.java"
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
need javac "a Java JDK 17 or newer, for javac (e.g. 'apt-get install openjdk-17-jdk-headless')"
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
install_kafka() {
  # install_kafka <version>: the jars of one broker version into $CACHE/kafka-<version>-<hash>/libs
  local version="$1" profile="log4j2"
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "'$version' is not a Kafka version (x.y.z, e.g. 4.4.0)."
  [[ "${version%%.*}" -ge 4 ]] || profile="reload4j" # Kafka 3 logs through Log4j 1.2 (reload4j), 4 through Log4j 2
  local dir="$CACHE/kafka-${version}-${pom_hash:0:12}" # same rule as kafkaLibsDir() in install-paths.ts
  [[ "$(cat "$dir/.installed" 2>/dev/null || true)" == "$pom_hash" ]] && return 0
  log "fetching Kafka $version jars from Maven Central into $dir/libs"
  local started=$SECONDS tmp="$dir/libs.tmp"
  rm -rf "$dir"
  mkdir -p "$dir"
  # Own local repository under the cache so the install does not depend on (or pollute) ~/.m2.
  (cd "$dir" && mvn -B -q -Dstyle.color=never -f "$POM" -P "$profile" -Dkafka.version="$version" \
      -Dmaven.repo.local="$CACHE/m2-repository" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp") >"$CACHE/mvn-install.log" 2>&1 \
    || { tail -n 40 "$CACHE/mvn-install.log" >&2; die "Maven could not fetch the Kafka $version jars (log above, full log in $CACHE/mvn-install.log). Check that Maven Central is reachable and serves org.apache.kafka:kafka_2.13:$version."; }
  ls "$tmp/kafka_2.13-$version.jar" "$tmp/kafka-tools-$version.jar" >/dev/null \
    || die "Maven finished but the Kafka $version jars are missing from $tmp."
  mv "$tmp" "$dir/libs"
  rm -rf "$dir/target"
  printf '%s' "$pom_hash" >"$dir/.installed"
  log "Kafka $version jars ready ($(ls "$dir/libs" | wc -l) jars, $((SECONDS - started)) s)"
}

compile_validator() {
  # compile_validator <version>: the OAUTHBEARER listener's token validator against that version's jars
  local version="$1" src_hash out
  src_hash="$(hash_of "$VALIDATOR_SRC")"
  out="$CACHE/kafka-${version}-${pom_hash:0:12}/iam-validator-${src_hash:0:12}" # iamValidatorDir() in iam-listener.ts
  [[ -f "$out/MskIamTokenValidator.class" ]] && return 0
  rm -rf "$out.tmp"
  javac -nowarn -d "$out.tmp" -cp "$CACHE/kafka-${version}-${pom_hash:0:12}/libs/*" "$VALIDATOR_SRC" \
    || die "javac could not compile $VALIDATOR_SRC against the Kafka $version jars (output above)."
  mv "$out.tmp" "$out"
  log "compiled the MSK IAM token validator for Kafka $version"
}

pom_hash="$(hash_of "$POM")"
versions=("$@")
[[ ${#versions[@]} -gt 0 ]] || mapfile -t versions < <(grep -Ev '^[[:space:]]*(#|$)' "$VERSIONS_FILE")
for version in "${versions[@]}"; do
  install_kafka "$version"
  compile_validator "$version"
done

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
