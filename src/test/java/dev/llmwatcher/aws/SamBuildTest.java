package dev.llmwatcher.aws;

import dev.llmwatcher.testing.Command;
import dev.llmwatcher.testing.LambdaPackage;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code sam build} runs for the functions (the Makefile target the template names, see SamTemplateTest), in a
 * copy of the repository that holds the tracked files and, as a developer's checkout would, stale {@code target/}
 * leftovers ({@link LambdaPackage}): it packages the main classes and the runtime jars, compiles and runs no test,
 * and fetches no test server.
 */
class SamBuildTest {

    @Test
    void theFunctionsBuildPackagesMainClassesAndRuntimeJarsOnlyAndRunsNoTest() {
        LambdaPackage lambda = LambdaPackage.get();

        assertThat(lambda.build().exitCode()).as(lambda.build().output()).isZero();
        assertThat(lambda.build().output()).doesNotContain("Tests run").doesNotContain("T E S T S");
        List<String> packaged = lambda.files();
        List<String> jars = packaged.stream().filter(f -> f.startsWith("lib/")).toList();
        assertThat(packaged).contains("dev/llmwatcher/aws/WatcherHandler.class",
                "dev/llmwatcher/aws/RetryHandler.class");
        assertThat(packaged).allSatisfy(file -> assertThat(file).doesNotContain("Leftover")
                .doesNotEndWith("Test.class").doesNotStartWith("dev/llmwatcher/testing/")
                .isNotEqualTo("llm-watcher.jar").doesNotEndWith(".zip"));
        assertThat(jars).anyMatch(j -> j.contains("aws-lambda-java-core")).anyMatch(j -> j.contains("secretsmanager"))
                .anyMatch(j -> j.contains("elasticsearch-java")).anyMatch(j -> j.contains("jackson-databind"))
                .noneMatch(j -> j.contains("junit")).noneMatch(j -> j.contains("assertj"))
                .noneMatch(j -> j.contains("snakeyaml")).noneMatch(j -> j.contains("aws-lambda-java-events"))
                .noneMatch(j -> j.contains("aws-lambda-java-tests"))
                .noneMatch(j -> j.contains("aws-lambda-java-runtime-interface-client"))
                .as("one log backend on Lambda, Log4j").noneMatch(j -> j.contains("slf4j-simple"))
                .anyMatch(j -> j.contains("log4j-slf4j2-impl"));
        assertThat(lambda.checkout().resolve("target/test-classes")).doesNotExist();
        assertThat(lambda.checkout().resolve("target/surefire-reports")).doesNotExist();
        assertThat(lambda.checkout().resolve("target/test-servers")).as("no test server copied").doesNotExist();
        long bytes = packaged.stream().mapToLong(f -> lambda.artifacts().resolve(f).toFile().length()).sum();
        assertThat(bytes).as("package size (issue 29's target; elasticsearch-java shrunk from 14 MB, see the pom's "
                + "lambda-package profile)").isLessThanOrEqualTo(20L * 1024 * 1024);
        assertThat(lambda.artifacts().resolve(jars.stream().filter(j -> j.contains("elasticsearch-java-"))
                .findFirst().orElseThrow())).as("the shrunk client").satisfies(jar ->
                assertThat(jar.toFile().length()).isLessThan(5L * 1024 * 1024));
        assertThat(lambda.artifacts().resolve(jars.stream().filter(j -> j.contains("opensearch-java-"))
                .findFirst().orElseThrow())).as("the shrunk OpenSearch client (10 MB whole)").satisfies(jar ->
                assertThat(jar.toFile().length()).isLessThan(3L * 1024 * 1024));
    }

    @Test
    void bothFunctionsRunTheSameBuild() {
        Command watcher = Command.run(Path.of("."), Map.of(), Duration.ofMinutes(1),
                List.of("make", "-n", "build-WatcherFunction", "ARTIFACTS_DIR=/tmp/artifacts"));
        Command retry = Command.run(Path.of("."), Map.of(), Duration.ofMinutes(1),
                List.of("make", "-n", "build-RetryFunction", "ARTIFACTS_DIR=/tmp/artifacts"));

        assertThat(watcher.exitCode()).as(watcher.output()).isZero();
        assertThat(retry.output()).isEqualTo(watcher.output()).contains("-Dmaven.test.skip=true");
    }
}
