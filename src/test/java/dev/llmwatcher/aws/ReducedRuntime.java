package dev.llmwatcher.aws;

import dev.llmwatcher.testing.Command;
import dev.llmwatcher.testing.LambdaPackage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A Java runtime made with {@code jlink} from the JDK running the tests, with only the modules the package uses
 * ({@code jdeps --print-module-deps} over the package and the Runtime Interface Client) and without the two things
 * nobody promises a Lambda runtime has: the {@code jdk.httpserver} module and the {@code keytool} command. Code that
 * runs on Lambda (SnapStart priming above all) must work on it. Made once under {@code target/test-servers} and kept
 * there, like the test servers, since linking takes a while.
 */
final class ReducedRuntime {

    /** What the package and the Runtime Interface Client need of the JDK, {@code jdk.httpserver} left out. */
    static final List<String> MODULES = List.of("java.base", "java.compiler", "java.desktop", "java.management",
            "java.naming", "java.net.http", "java.rmi", "java.scripting", "java.security.jgss", "java.sql", "jdk.net",
            "jdk.unsupported");

    private ReducedRuntime() {
    }

    /** The runtime's {@code java} command, linked on the first call. */
    static synchronized Path java() {
        String version = Runtime.version().toString().replaceAll("[^0-9A-Za-z.]", "_");
        Path home = Path.of(System.getProperty("llmwatcher.test.work", "target/test-servers")).toAbsolutePath()
                .resolve("reduced-jdk-" + version);
        Path java = home.resolve("bin").resolve("java");
        if (!Files.isExecutable(java)) {
            link(home);
        }
        return java;
    }

    private static void link(Path home) {
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IllegalStateException("the tests' JDK (" + System.getProperty("java.home")
                    + ") has no jlink to make the reduced runtime with");
        }
        Path partial = home.resolveSibling(home.getFileName() + ".partial");
        try {
            LambdaPackage.deleteRecursively(partial);
            Command linked = Command.run(Path.of("."), Map.of(), Duration.ofMinutes(10), List.of(jlink.toString(),
                    "--add-modules", String.join(",", MODULES), "--strip-debug", "--no-header-files",
                    "--no-man-pages", "--output", partial.toString()));
            if (linked.exitCode() != 0) {
                throw new IllegalStateException("jlink failed: " + linked.output());
            }
            Files.delete(partial.resolve("bin").resolve("keytool"));
            Files.move(partial, home);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the reduced runtime in " + home, e);
        }
    }
}
