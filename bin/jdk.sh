# Sourced by the other scripts: exports JAVA_HOME pointing at a JDK 21 or newer, or explains how to get one.
# The JDK's `release` file names its version (JAVA_VERSION="25.0.3"); asking `java` itself costs a JVM start (about
# 0.2 s on every launch), so it is only the fallback for a JDK without that file.
java_major() {
  local version
  version=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9.]*\).*/\1/p' "$1/release" 2>/dev/null | head -1)
  if [ -z "$version" ]; then
    version=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' \
      | head -1)
  fi
  echo "$version"
}
find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate")
    if [ -n "$major" ] && [ "${major%%.*}" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if ! JAVA_HOME=$(find_jdk); then
  echo "llm-watcher needs a JDK 21 or newer (virtual threads); none found in JAVA_HOME or /usr/lib/jvm." >&2
  echo "Install one (e.g. Temurin 21 or 25) and set JAVA_HOME to it." >&2
  exit 2
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
