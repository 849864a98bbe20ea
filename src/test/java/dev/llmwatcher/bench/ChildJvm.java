package dev.llmwatcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a main class in a JVM of its own (the JDK running the benchmark) so its CPU time, memory and start-up are
 * its alone, not the benchmark's, Elasticsearch's or the fake LLM's. Standard error goes to a log file.
 *
 * @param classpath the child's class path
 * @param jvmFlags  e.g. {@code -Xmx256m}
 * @param logDir    where each run's standard error is kept
 */
record ChildJvm(String classpath, List<String> jvmFlags, Path logDir) {

    /** How one run ended: exit status, wall time from process start to exit, and its standard output. */
    record Run(int exitStatus, long wallNanos, String stdout, Path stderr) {

        Run requireSuccess(String what) {
            if (exitStatus != 0) {
                String out = stdout.strip();
                throw new IllegalStateException(what + " exited with " + exitStatus + "; see " + stderr
                        + (out.isEmpty() ? "" : "; standard output ends: "
                        + out.substring(Math.max(0, out.length() - 2000))));
            }
            return this;
        }
    }

    ChildJvm withFlags(List<String> more) {
        List<String> flags = new ArrayList<>(jvmFlags);
        flags.addAll(more);
        return new ChildJvm(classpath, flags, logDir);
    }

    Run run(String name, Map<String, String> environment, String mainClass, String... args) {
        List<String> tail = new ArrayList<>(List.of(mainClass));
        tail.addAll(List.of(args));
        return start(name, environment, tail, mainClass);
    }

    /** Runs the JVM with its flags and class path and no main class, e.g. to create an AOT cache. */
    Run runWithoutMain(String name) {
        return start(name, Map.of(), List.of(), "java " + String.join(" ", jvmFlags));
    }

    private Run start(String name, Map<String, String> environment, List<String> tail, String what) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(classpath);
        command.addAll(tail);
        try {
            Files.createDirectories(logDir);
            Path stderr = logDir.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            builder.environment().putAll(environment);
            long started = System.nanoTime();
            Process process = builder.start();
            byte[] out = process.getInputStream().readAllBytes();
            int status = process.waitFor();
            long wall = System.nanoTime() - started;
            return new Run(status, wall, new String(out, StandardCharsets.UTF_8), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + what, e);
        }
    }
}
