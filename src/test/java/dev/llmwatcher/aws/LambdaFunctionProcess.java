package dev.llmwatcher.aws;

import dev.llmwatcher.testing.LambdaPackage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A function run as Lambda's Java runtime runs it: AWS's Runtime Interface Client ({@code AWSLambda HANDLER}) in a
 * JVM of its own, with the runtime's jars on the class path and the package as its task root (the working
 * directory), Lambda's JVM flags and environment, talking to a {@link LambdaRuntimeApi}. Standard output and error
 * go to one file, in the order written, as both go to the function's log stream on Lambda.
 */
final class LambdaFunctionProcess implements AutoCloseable {

    private static final String MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /**
     * As Lambda's Java runtimes start the JVM: C1 only, the serial collector, the CRaC API of the Runtime Interface
     * Client (its hooks are what SnapStart runs), and native access for its JNI client, without which JDK 24+ prints
     * plain-text warnings.
     */
    private static final List<String> JVM_FLAGS = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
            "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac");

    private final Process process;
    private final Path output;

    private LambdaFunctionProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /**
     * Starts {@code handler} from {@code lambda}'s package on {@code java}, with Lambda's reserved variables for a
     * function of that name and {@code environment} (the function's own variables) on top.
     */
    static LambdaFunctionProcess start(Path java, LambdaPackage lambda, String functionName, String handler,
                                       LambdaRuntimeApi api, Map<String, String> environment, Path output) {
        List<String> command = new ArrayList<>(List.of(java.toString()));
        command.addAll(JVM_FLAGS);
        command.addAll(List.of("-cp", runtimeClassPath(), MAIN, handler));
        Map<String, String> variables = new HashMap<>(Map.of("AWS_LAMBDA_RUNTIME_API", api.address(),
                "AWS_LAMBDA_FUNCTION_NAME", functionName, "AWS_LAMBDA_FUNCTION_VERSION", "1",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024", "AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + functionName,
                "AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[1]local", "LAMBDA_TASK_ROOT",
                lambda.artifacts().toString(), "_HANDLER", handler, "AWS_REGION", "us-east-1", "TZ", ":UTC"));
        variables.putAll(environment);
        ProcessBuilder builder = new ProcessBuilder(command).directory(lambda.artifacts().toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().putAll(variables);
        try {
            return new LambdaFunctionProcess(builder.start(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + java, e);
        }
    }

    /** The Runtime Interface Client and the libraries it names, as Lambda keeps them apart from the function. */
    private static String runtimeClassPath() {
        String dir = System.getProperty("llmwatcher.test.lambdaRuntime");
        if (dir == null) {
            throw new IllegalStateException("llmwatcher.test.lambdaRuntime is not set: run the tests with Maven, whose "
                    + "test-servers profile copies the Runtime Interface Client there");
        }
        return Path.of(dir.strip()).toAbsolutePath() + "/*";
    }

    /** The output from {@code from} to {@code to} (byte offsets), as lines. */
    List<String> lines(long from, long to) {
        byte[] all = bytes();
        return new String(all, (int) from, (int) (Math.min(to, all.length) - from), StandardCharsets.UTF_8).lines()
                .filter(line -> !line.isBlank()).toList();
    }

    /** Everything written so far, for a failure's message. */
    String text() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    private byte[] bytes() {
        try {
            return Files.readAllBytes(output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + output, e);
        }
    }

    /** Waits for {@code outcome}, failing at once with the function's output if the function's JVM ends first. */
    <T> T await(CompletableFuture<T> outcome, Duration timeout) {
        try {
            CompletableFuture.anyOf(outcome, process.onExit()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within " + timeout + "; the function's output:\n" + text(), e);
        } catch (ExecutionException e) {
            throw new AssertionError("waiting for the function failed; its output:\n" + text(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for the function", e);
        }
        if (!outcome.isDone()) {
            throw new AssertionError("the function's JVM ended with status " + process.exitValue()
                    + " before answering; its output:\n" + text());
        }
        return outcome.join();
    }

    /** Stops the function as Lambda does an idle one, and waits for its JVM to end. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
