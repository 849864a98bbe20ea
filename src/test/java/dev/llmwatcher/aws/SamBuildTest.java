package dev.llmwatcher.aws;

import dev.llmwatcher.testing.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code sam build} runs for the functions (the Makefile target the template names, see SamTemplateTest), in a
 * copy of the repository that holds the tracked files and, as a developer's checkout would, stale {@code target/}
 * leftovers: it packages the main classes and the runtime jars, compiles and runs no test, and fetches no test
 * server.
 */
class SamBuildTest {

    @TempDir
    Path checkout;
    @TempDir
    Path artifacts;

    private static void copyWorkingTree(Path to) throws IOException {
        Command files = Command.run(Path.of("."), Map.of(), Duration.ofMinutes(1),
                List.of("git", "ls-files", "--cached", "--others", "--exclude-standard"));
        assertThat(files.exitCode()).as(files.output()).isZero();
        for (String file : files.output().split("\n")) {
            Path source = Path.of(file);
            if (!file.isBlank() && Files.isRegularFile(source)) {
                Files.createDirectories(to.resolve(file).getParent() == null ? to : to.resolve(file).getParent());
                Files.copy(source, to.resolve(file));
            }
        }
    }

    private void leaveStaleBuildOutput() throws IOException {
        for (String leftover : List.of("target/classes/dev/llmwatcher/Leftover.class",
                "target/test-classes/dev/llmwatcher/LeftoverTest.class", "target/dependency/junit-leftover.jar",
                "target/llm-watcher.jar")) {
            Path file = checkout.resolve(leftover);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "stale", StandardCharsets.UTF_8);
        }
    }

    private List<String> packaged() throws IOException {
        try (Stream<Path> files = Files.walk(artifacts)) {
            return files.filter(Files::isRegularFile).map(f -> artifacts.relativize(f).toString()).sorted().toList();
        }
    }

    @Test
    void theFunctionsBuildPackagesMainClassesAndRuntimeJarsOnlyAndRunsNoTest() throws IOException {
        copyWorkingTree(checkout);
        leaveStaleBuildOutput();

        Command build = Command.run(checkout, Map.of(), Duration.ofMinutes(10),
                List.of("make", "build-WatcherFunction", "ARTIFACTS_DIR=" + artifacts));

        assertThat(build.exitCode()).as(build.output()).isZero();
        assertThat(build.output()).doesNotContain("Tests run").doesNotContain("T E S T S");
        List<String> packaged = packaged();
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
                .noneMatch(j -> j.contains("aws-lambda-java-tests"));
        assertThat(checkout.resolve("target/test-classes")).doesNotExist();
        assertThat(checkout.resolve("target/surefire-reports")).doesNotExist();
        assertThat(checkout.resolve("target/test-servers")).as("no test server copied").doesNotExist();
        long bytes = packaged.stream().mapToLong(f -> artifacts.resolve(f).toFile().length()).sum();
        assertThat(bytes).as("package size").isLessThan(50L * 1024 * 1024);
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
