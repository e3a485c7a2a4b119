#!/usr/bin/env bash
# Builds what terraform deploys as the Cloud Functions sources: one bundle per function, each
# function-bundles/<function>/target/deployment/ holding functions.jar (its manifest's Class-Path names the
# dependencies) and libs/ with only the runtime dependencies that function uses (the module
# function-bundles/<function> excludes the others: no DuckDB anywhere, no BigQuery client in ingest, ...). The Java
# buildpack runs a prebuilt jar as is, so no Maven build happens in the cloud (the project's own modules are not on a
# public repository). The Functions Framework API is "provided": the runtime brings it.
# Usage (from anywhere): terraform/build-functions.sh [extra maven args, e.g. -o]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn=./mvnw
[ -x "$mvn" ] || mvn=mvn

functions=(ingest recommend upload)
modules=$(printf 'function-bundles/%s,' "${functions[@]}")
for fn in "${functions[@]}"; do rm -rf "function-bundles/$fn/target/bundle"; done   # copy-dependencies keeps stale jars
"$mvn" -B -ntp -q "$@" -DskipTests -pl "${modules%,}" -am package -Pfunction-bundle

for fn in "${functions[@]}"; do
  bundle="function-bundles/$fn/target/bundle"
  out="function-bundles/$fn/target/deployment"
  rm -rf "$out"
  mkdir -p "$out/libs"
  jar_file=$(ls "$bundle"/functions-*.jar | head -n 1)
  cp "$jar_file" "$out/functions.jar"
  find "$bundle" -maxdepth 1 -name '*.jar' ! -name "$(basename "$jar_file")" -exec cp {} "$out/libs/" \;
  # Class-Path with every dependency, wrapped as manifests require (lines of at most 72 bytes, continuation lines
  # start with a space).
  classpath="Class-Path: $(cd "$out" && ls libs/*.jar | tr '\n' ' ')"
  printf '%s\n' "$classpath" | fold -b -w 70 | sed '2,$s/^/ /' > "function-bundles/$fn/target/deployment-manifest.txt"
  jar --update --file "$out/functions.jar" --manifest "function-bundles/$fn/target/deployment-manifest.txt"
  echo "built $out ($(ls "$out/libs" | wc -l) dependencies, $(du -sh "$out" | cut -f1))"
done
