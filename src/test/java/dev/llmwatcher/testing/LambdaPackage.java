package dev.llmwatcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The deployment package as {@code sam build} makes it: {@code make build-WatcherFunction ARTIFACTS_DIR=...} (the
 * Makefile target the template names) run in a copy of the repository that holds the tracked and untracked files
 * and, as a developer's checkout would, stale {@code target/} leftovers. Built once per test JVM under
 * {@code target/lambda-package} and shared by the tests that check the package and run it, and by the benchmark's
 * package size (5c).
 *
 * @param checkout  the copy the build ran in
 * @param artifacts the package: Lambda's task root (classes at the root, runtime jars in {@code lib/})
 * @param build     what {@code make} printed and how it ended
 */
public record LambdaPackage(Path checkout, Path artifacts, Command build) {

    /** Files a stale build could have left in the copy's {@code target/}, none of which may reach the package. */
    public static final List<String> LEFTOVERS = List.of("target/classes/dev/llmwatcher/Leftover.class",
            "target/test-classes/dev/llmwatcher/LeftoverTest.class", "target/dependency/junit-leftover.jar",
            "target/llm-watcher.jar");

    private static LambdaPackage built;

    /** The package, built on the first call. */
    public static synchronized LambdaPackage get() {
        if (built == null) {
            built = build(Path.of("target", "lambda-package").toAbsolutePath());
        }
        return built;
    }

    private static LambdaPackage build(Path root) {
        Path checkout = root.resolve("checkout");
        Path artifacts = root.resolve("artifacts");
        try {
            deleteRecursively(root);
            copyWorkingTree(checkout);
            for (String leftover : LEFTOVERS) {
                Path file = checkout.resolve(leftover);
                Files.createDirectories(file.getParent());
                Files.writeString(file, "stale", StandardCharsets.UTF_8);
            }
            Files.createDirectories(artifacts);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the copy to build the package in", e);
        }
        Command build = Command.run(checkout, Map.of(), Duration.ofMinutes(10),
                List.of("make", "build-WatcherFunction", "ARTIFACTS_DIR=" + artifacts));
        return new LambdaPackage(checkout, artifacts, build);
    }

    /** The package's files, relative to its root, sorted. */
    public List<String> files() {
        try (Stream<Path> files = Files.walk(artifacts)) {
            return files.filter(Files::isRegularFile).map(f -> artifacts.relativize(f).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + artifacts, e);
        }
    }

    private static void copyWorkingTree(Path to) throws IOException {
        Command files = Command.run(Path.of("."), Map.of(), Duration.ofMinutes(1),
                List.of("git", "ls-files", "--cached", "--others", "--exclude-standard"));
        if (files.exitCode() != 0) {
            throw new IllegalStateException("git ls-files failed: " + files.output());
        }
        for (String file : files.output().split("\n")) {
            Path source = Path.of(file);
            if (!file.isBlank() && Files.isRegularFile(source)) {
                Path copy = to.resolve(file);
                Files.createDirectories(copy.getParent());
                Files.copy(source, copy);
            }
        }
    }

    /** Deletes {@code root} and everything under it, if it exists. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
