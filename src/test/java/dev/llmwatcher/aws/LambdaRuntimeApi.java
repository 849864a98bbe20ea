package dev.llmwatcher.aws;

import dev.llmwatcher.testing.LoopbackServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Lambda Runtime API (version 2018-06-01) as the Lambda service serves it to a function's runtime, on a local
 * port: {@code invocation/next} hands out the events a test queues (long-polling until there is one),
 * {@code invocation/{id}/response} and {@code /error} complete them, {@code init/error} and {@code restore/error}
 * record a failed start, and {@code restore/next} is the SnapStart restore (answered at once, as after a snapshot).
 *
 * <p>Every call is noted with how much the function had written to its output file by then, so a test can tell which
 * lines belong to the init phase and which to each invocation.
 */
final class LambdaRuntimeApi implements AutoCloseable {

    private static final String PREFIX = "/2018-06-01/runtime/";
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /** One call the runtime made: {@code METHOD path} and the output written before it. */
    record Call(String request, long outputBefore) {
    }

    /** How an invocation ended: the function's answer or the error it reported. */
    record Outcome(String requestId, boolean error, String body, long outputBefore) {
    }

    /** An invocation handed out: its request id and the outcome to wait for. */
    record Invocation(String requestId, CompletableFuture<Outcome> outcome) {
    }

    private record Pending(String requestId, String event) {
    }

    private final Path output;
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<Outcome>> outcomes = new ConcurrentHashMap<>();
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<String> startErrors = Collections.synchronizedList(new ArrayList<>());
    private final LoopbackServer server;

    /** @param output the file the function writes its standard output and error to */
    LambdaRuntimeApi(Path output) {
        this.output = output;
        this.server = new LoopbackServer(this::handle);
    }

    /** {@code host:port}, as {@code AWS_LAMBDA_RUNTIME_API} gives it. */
    String address() {
        return "127.0.0.1:" + server.port();
    }

    /** Queues an event for the function's next {@code invocation/next}. */
    Invocation invoke(String event) {
        String requestId = UUID.randomUUID().toString();
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        outcomes.put(requestId, outcome);
        pending.add(new Pending(requestId, event));
        return new Invocation(requestId, outcome);
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The bodies the runtime posted to {@code init/error} or {@code restore/error}. */
    List<String> startErrors() {
        return List.copyOf(startErrors);
    }

    private LoopbackServer.Response handle(LoopbackServer.Request request) {
        long written = written();
        calls.add(new Call(request.method() + " " + request.path(), written));
        String path = request.path().startsWith(PREFIX) ? request.path().substring(PREFIX.length()) : "";
        String body = new String(request.body(), StandardCharsets.UTF_8);
        if (path.equals("invocation/next")) {
            return next();
        }
        if (path.equals("restore/next")) {
            return json(200, "{}");
        }
        if (path.equals("init/error") || path.equals("restore/error")) {
            startErrors.add(body);
            return json(202, "{\"status\":\"OK\"}");
        }
        String[] parts = path.split("/");
        if (parts.length == 3 && parts[0].equals("invocation") && outcomes.containsKey(parts[1])
                && (parts[2].equals("response") || parts[2].equals("error"))) {
            outcomes.get(parts[1]).complete(new Outcome(parts[1], parts[2].equals("error"), body, written));
            return json(202, "{\"status\":\"OK\"}");
        }
        return json(404, "{\"errorMessage\":\"not a Runtime API route: " + request.path() + "\"}");
    }

    private long written() {
        try {
            return Files.exists(output) ? Files.size(output) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + output, e);
        }
    }

    /** Waits for an event as Lambda does (the runtime long-polls); the server's virtual threads make that cheap. */
    private LoopbackServer.Response next() {
        Pending next;
        try {
            do {
                next = pending.poll(1, TimeUnit.SECONDS);
            } while (next == null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        long deadline = System.currentTimeMillis() + DEADLINE.toMillis();
        return new LoopbackServer.Response(200, Map.of("Content-Type", "application/json",
                "Lambda-Runtime-Aws-Request-Id", next.requestId(),
                "Lambda-Runtime-Deadline-Ms", Long.toString(deadline),
                "Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:llm-watcher",
                "Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
                next.event().getBytes(StandardCharsets.UTF_8));
    }

    private static LoopbackServer.Response json(int status, String body) {
        return new LoopbackServer.Response(status, Map.of("Content-Type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.close();
    }
}
