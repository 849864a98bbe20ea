package dev.llmwatcher.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of this build in a JVM of its own, with this JVM's class path and an environment the test
 * controls: for behaviour fixed when a JVM starts, such as which log appender the environment selects. Variables
 * of the watcher and of Lambda that the test run itself happens to have are left out, so only the given ones count.
 */
public final class ChildJava {

    /** How the child ended. */
    public record Result(int exitStatus, String stdout, String stderr) {
    }

    private static final long TIMEOUT_SECONDS = 180;

    private ChildJava() {
    }

    /** A child started and not waited for, e.g. to be killed mid-run; {@link #await} ends it and reads its output. */
    public record Started(Process process, Path out, Path err, String mainClass) {

        /** Waits for the child's end (killing it after the usual timeout) and returns how it ended. */
        public Result await() throws IOException, InterruptedException {
            return ChildJava.await(this);
        }
    }

    public static Result run(Path workDir, Map<String, String> environment, String mainClass, String... args)
            throws IOException, InterruptedException {
        return await(start(workDir, environment, mainClass, args));
    }

    /** Starts {@code mainClass} in a JVM of its own, as {@link #run} does, without waiting for it. */
    public static Started start(Path workDir, Map<String, String> environment, String mainClass, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "child", ".out");
        Path err = Files.createTempFile(workDir, "child", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_LAMBDA_")
                || name.startsWith("LLM_WATCHER_") || name.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().putAll(environment);
        return new Started(builder.start(), out, err, mainClass);
    }

    private static Result await(Started started) throws IOException, InterruptedException {
        String mainClass = started.mainClass();
        Process child = started.process();
        Path out = started.out();
        Path err = started.err();
        if (!child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor();
            throw new IllegalStateException(mainClass + " did not end within " + TIMEOUT_SECONDS + " s; stderr: "
                    + Files.readString(err));
        }
        return new Result(child.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
