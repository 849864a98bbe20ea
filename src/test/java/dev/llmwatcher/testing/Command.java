package dev.llmwatcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an outside tool the tests rely on ({@code cfn-lint}, the SAM translator, {@code make}) to completion, with its
 * standard output and error together in a file rather than a pipe, so a chatty tool can never block on a full pipe.
 *
 * @param exitCode the tool's exit status
 * @param output   what it printed, both streams interleaved
 */
public record Command(int exitCode, String output) {

    /** Runs {@code command} in {@code directory} with {@code environment} added to this JVM's. */
    public static Command run(Path directory, Map<String, String> environment, Duration timeout, List<String> command) {
        try {
            Path log = Files.createTempFile("command-", ".log");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                builder.environment().putAll(environment);
                Process process = builder.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor();
                    throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
                            + "; its output:\n" + Files.readString(log, StandardCharsets.UTF_8));
                }
                return new Command(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        }
    }
}
