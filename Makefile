# sam build runs one of these targets per function (template.yaml: Metadata BuildMethod makefile) with ARTIFACTS_DIR
# set to that function's folder under .aws-sam/build. It compiles the main code only (no test is compiled or run, no
# test server is downloaded: -Dllmwatcher.lambda turns the pom's test-servers profile off) and lays the package out as
# Lambda's Java runtime reads it: classes at the root, runtime dependencies in lib/. The same switch turns the pom's
# lambda-package profile on, which shrinks elasticsearch-java with ProGuard to what the watcher can reach (the copy in
# target/lambda-shrink/lib replaces the full jar); the runtime jars are copied first because ProGuard reads them.
# slf4j-simple, the command line's log backend, stays out: on Lambda, Log4j (with AWS's appender) is the only one. `clean` first, so nothing left
# in target/ by an earlier build or test run can reach the package. Both functions share one code base and the
# same Metadata, so SAM builds once and copies the result to the other.
SHELL := /bin/bash
MVN ?= mvn
MVN_FLAGS ?= -B -q

.PHONY: build-WatcherFunction build-RetryFunction

build-WatcherFunction build-RetryFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	source bin/jdk.sh && $(MVN) $(MVN_FLAGS) -Dllmwatcher.lambda -Dmaven.test.skip=true -Dmdep.prependGroupId=true \
		clean dependency:copy-dependencies -DincludeScope=runtime -DexcludeArtifactIds=slf4j-simple process-classes
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp -R target/classes/. "$(ARTIFACTS_DIR)/"
	cp target/dependency/*.jar "$(ARTIFACTS_DIR)/lib/"
	cp target/lambda-shrink/lib/*.jar "$(ARTIFACTS_DIR)/lib/"
