package dev.llmwatcher.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real implementation of the AWS APIs on loopback: {@code moto_server} (Python's moto, which this machine image
 * ships), started on a port the kernel picks and stopped on {@link #close()}. It prints the address it listens on
 * once it accepts requests; a reader thread waits for that line and keeps draining the output afterwards.
 */
public final class MotoServer implements AutoCloseable {

    /** The account moto answers for. */
    public static final String ACCOUNT = "123456789012";

    private static final Pattern LISTENING = Pattern.compile("Running on (http://127\\.0\\.0\\.1:\\d+)");
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final StringBuilder output = new StringBuilder();
    private final URI endpoint;

    public MotoServer() {
        try {
            process = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", "0").redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start moto_server (Python's moto; is it on PATH?)", e);
        }
        CompletableFuture<URI> listening = new CompletableFuture<>();
        Thread.ofVirtual().name("moto-output").start(() -> drain(listening));
        try {
            endpoint = listening.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while moto_server started", e);
        } catch (ExecutionException | TimeoutException e) {
            close();
            throw new IllegalStateException("moto_server did not start within " + START_TIMEOUT_SECONDS
                    + " s; its output:\n" + output(), e);
        }
    }

    private void drain(CompletableFuture<URI> listening) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                synchronized (output) {
                    output.append(line).append('\n');
                }
                Matcher matcher = LISTENING.matcher(line);
                if (matcher.find()) {
                    listening.complete(URI.create(matcher.group(1)));
                }
            }
            listening.completeExceptionally(new IllegalStateException("moto_server exited"));
        } catch (IOException e) {
            listening.completeExceptionally(e);
        }
    }

    /** Where the SDK clients should send their requests. */
    public URI endpoint() {
        return endpoint;
    }

    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
