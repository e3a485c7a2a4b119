#!/usr/bin/env bash
# Builds what terraform deploys as the Cloud Functions source: functions/target/deployment/ holding the functions jar
# (its manifest's Class-Path names the dependencies) and libs/ with every runtime dependency. The Java buildpack
# runs a prebuilt jar as is, so no Maven build happens in the cloud (the project's own modules are not on a
# public repository). The Functions Framework API is "provided": the runtime brings it.
# Usage (from anywhere): terraform/build-functions.sh [extra maven args, e.g. -o]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn=./mvnw
[ -x "$mvn" ] || mvn=mvn

"$mvn" -B -ntp -q "$@" -DskipTests -pl functions -am install
out=functions/target/deployment
rm -rf "$out"
mkdir -p "$out/libs"
"$mvn" -B -ntp -q "$@" -pl functions org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory=target/deployment/libs

jar_file=$(ls functions/target/functions-*.jar | grep -v -e '-sources' -e '-tests' | head -n 1)
cp "$jar_file" "$out/functions.jar"

# Class-Path with every dependency, wrapped as manifests require (lines of at most 72 bytes, continuation lines
# start with a space).
classpath="Class-Path: $(cd "$out" && ls libs/*.jar | tr '\n' ' ')"
printf '%s\n' "$classpath" | fold -b -w 70 | sed '2,$s/^/ /' > "$root/functions/target/deployment-manifest.txt"
jar --update --file "$out/functions.jar" --manifest "$root/functions/target/deployment-manifest.txt"
echo "built $out ($(ls "$out/libs" | wc -l) dependencies)"
