package dev.llmwatcher.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI's Files and Batches API, faithfully enough for the batch drain: multipart upload ({@code POST /v1/files},
 * purpose {@code batch}), {@code POST /v1/batches}, {@code GET /v1/batches/{id}} walking a scripted status
 * sequence (by default validating → in_progress → finalizing → completed, one step per look), {@code GET
 * /v1/batches} (newest first, {@code after}/{@code limit}/{@code has_more}), cancel, and {@code GET
 * /v1/files/{id}/content} with output and error files in the provider's line format.
 *
 * <p>A batch's requests are run, when it ends, against a {@link FakeOpenAiServer} (the "model"), exactly as vLLM's
 * batch runner runs them against its engine: its script answers them and its counters count them. Every other path
 * (the direct {@code /v1/chat/completions}) is passed on to that server too, so one base URL serves both modes.
 */
public final class FakeOpenAiBatchServer implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Lines of one batch run against the model at once. */
    private static final int LINES_AT_ONCE = 16;
    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");
    private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"");

    /** A batch as the server keeps it. */
    private static final class Batch {
        final String id;
        final String inputFileId;
        final Map<String, String> metadata;
        final long createdAt;
        final List<String> script;
        final IntPredicate runs;
        final List<Map<String, Object>> errors;
        int step;
        String status;
        String outputFileId;
        String errorFileId;
        long completed;
        long failed;
        boolean cancelRequested;

        Batch(String id, String inputFileId, Map<String, String> metadata, long createdAt, List<String> script,
              IntPredicate runs, List<Map<String, Object>> errors) {
            this.errors = errors;
            this.id = id;
            this.inputFileId = inputFileId;
            this.metadata = metadata;
            this.createdAt = createdAt;
            this.script = script;
            this.runs = runs;
            this.status = script.getFirst();
        }
    }

    private final FakeOpenAiServer model;
    private final LoopbackServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Map<String, String> files = new ConcurrentHashMap<>();
    private final Map<String, Batch> batches = new ConcurrentHashMap<>();
    private final List<List<String>> uploads = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger created = new AtomicInteger();
    private volatile List<String> script = List.of("validating", "in_progress", "finalizing", "completed");
    private volatile IntPredicate runs = line -> true;
    private volatile IntPredicate omitted = line -> false;
    private volatile long clockSeconds = Instant.now().getEpochSecond();
    /** The {@code errors.data} of batches that end {@code failed}: by default one about no line in particular. */
    private volatile List<Map<String, Object>> failure = List.of(batchError("invalid_request",
            "The input file is invalid.", null));

    public FakeOpenAiBatchServer(FakeOpenAiServer model) {
        this.model = model;
        this.server = new LoopbackServer(this::handle);
    }

    /** The base URL clients are configured with: batches here, chat completions passed on to the model. */
    public URI baseUrl() {
        return URI.create(server.url() + "/v1");
    }

    public FakeOpenAiServer model() {
        return model;
    }

    /**
     * The statuses batches created from now on go through, one per {@code GET}; the last one stays. It must end in
     * {@code completed}, {@code expired} or {@code failed}.
     */
    public FakeOpenAiBatchServer statuses(String... statuses) {
        this.script = List.of(statuses);
        return this;
    }

    /**
     * Every batch created from now on fails at validation, refused as a whole as OpenAI refuses a batch over the
     * organisation's enqueued-token limit for its model ({@code token_limit_exceeded}, no line).
     */
    public FakeOpenAiBatchServer refusesOverTheEnqueuedTokenLimit(String model) {
        this.failure = List.of(batchError("token_limit_exceeded", "Enqueued token limit reached for " + model
                + " in organization org-test. Limit: 90,000 enqueued tokens. Please try again once some in_progress "
                + "batches have been completed.", null));
        return statuses("validating", "failed");
    }

    /**
     * Every batch created from now on fails validation because of the given lines (1-based, as OpenAI numbers them):
     * one error each in {@code errors.data}, naming its line.
     */
    public FakeOpenAiBatchServer failsValidationOfLines(int... lines) {
        List<Map<String, Object>> errors = new ArrayList<>();
        for (int line : lines) {
            errors.add(batchError("invalid_value", "Line " + line + ": the model 'gpt-nope' does not exist or you do "
                    + "not have access to it.", line));
        }
        this.failure = List.copyOf(errors);
        return statuses("validating", "failed");
    }

    private static Map<String, Object> batchError(String code, String message, Integer line) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("param", line == null ? null : "body.model");
        error.put("line", line);
        return error;
    }

    /** Which lines (by 0-based position in the file) an expiring batch got to before its window ended. */
    public FakeOpenAiBatchServer runsOnly(IntPredicate lines) {
        this.runs = lines;
        return this;
    }

    /**
     * Lines (by 0-based position) a finished batch leaves out of both its output and its error file, as a provider
     * losing requests would.
     */
    public FakeOpenAiBatchServer omits(IntPredicate lines) {
        this.omitted = lines;
        return this;
    }

    /** Files uploaded so far, each as its lines. */
    public synchronized List<List<String>> uploads() {
        return List.copyOf(uploads);
    }

    public int batchesCreated() {
        return created.get();
    }

    /** Forgets a batch, as a provider does with one deleted or of another account: it answers 404 from now on. */
    public void forget(String batchId) {
        batches.remove(batchId);
    }

    /** The status a batch has now, without moving it along. */
    public String statusOf(String batchId) {
        synchronized (batches.get(batchId)) {
            return batches.get(batchId).status;
        }
    }

    @Override
    public void close() {
        server.close();
    }

    private LoopbackServer.Response handle(LoopbackServer.Request request) throws IOException {
        String path = request.path();
        if (path.equals("/v1/files") && request.method().equals("POST")) {
            return upload(request);
        }
        if (path.equals("/v1/batches") && request.method().equals("POST")) {
            return create(request);
        }
        if (path.equals("/v1/batches") && request.method().equals("GET")) {
            return list(request.target());
        }
        Matcher content = Pattern.compile("/v1/files/([^/]+)/content").matcher(path);
        if (content.matches() && request.method().equals("GET")) {
            String file = files.get(content.group(1));
            return file == null ? error(404, "No such File object: " + content.group(1))
                    : new LoopbackServer.Response(200, Map.of("Content-Type", "application/octet-stream"),
                    file.getBytes(StandardCharsets.UTF_8));
        }
        Matcher cancel = Pattern.compile("/v1/batches/([^/]+)/cancel").matcher(path);
        if (cancel.matches() && request.method().equals("POST")) {
            Batch batch = batches.get(cancel.group(1));
            if (batch == null) {
                return error(404, "No such batch");
            }
            synchronized (batch) {
                batch.cancelRequested = true;
                batch.status = "cancelling";
                return json(200, view(batch));
            }
        }
        Matcher one = Pattern.compile("/v1/batches/([^/]+)").matcher(path);
        if (one.matches() && request.method().equals("GET")) {
            Batch batch = batches.get(one.group(1));
            return batch == null ? error(404, "No such batch: " + one.group(1)) : json(200, advance(batch));
        }
        return forward(request);
    }

    private LoopbackServer.Response upload(LoopbackServer.Request request) {
        Map<String, String> parts = multipart(request.headers().get("content-type"), request.body());
        if (!"batch".equals(parts.get("purpose")) || !parts.containsKey("file")) {
            return error(400, "purpose must be batch and a file must be given");
        }
        String id = "file-" + ids.incrementAndGet();
        files.put(id, parts.get("file"));
        synchronized (this) {
            uploads.add(parts.get("file").lines().filter(line -> !line.isBlank()).toList());
        }
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("id", id);
        file.put("object", "file");
        file.put("bytes", parts.get("file").getBytes(StandardCharsets.UTF_8).length);
        file.put("created_at", clockSeconds);
        file.put("filename", "upload.jsonl");
        file.put("purpose", "batch");
        return json(200, file);
    }

    private LoopbackServer.Response create(LoopbackServer.Request request) throws IOException {
        JsonNode body = MAPPER.readTree(request.body());
        String input = body.path("input_file_id").asText();
        if (!files.containsKey(input) || !"/v1/chat/completions".equals(body.path("endpoint").asText())
                || !"24h".equals(body.path("completion_window").asText())) {
            return error(400, "invalid batch: " + body);
        }
        Map<String, String> metadata = MAPPER.convertValue(body.path("metadata"), new TypeReference<>() {
        });
        Batch batch = new Batch("batch_" + ids.incrementAndGet(), input, metadata == null ? Map.of() : metadata,
                clockSeconds++, script, runs, failure);
        batches.put(batch.id, batch);
        created.incrementAndGet();
        synchronized (batch) {
            return json(200, view(batch));
        }
    }

    private LoopbackServer.Response list(String target) {
        Matcher after = Pattern.compile("[?&]after=([^&]+)").matcher(target);
        Matcher limit = Pattern.compile("[?&]limit=(\\d+)").matcher(target);
        int size = limit.find() ? Integer.parseInt(limit.group(1)) : 20;
        List<Batch> newestFirst = new ArrayList<>(batches.values());
        newestFirst.sort(Comparator.comparingLong((Batch b) -> b.createdAt).reversed());
        int from = 0;
        if (after.find()) {
            String id = after.group(1);
            for (int i = 0; i < newestFirst.size(); i++) {
                if (newestFirst.get(i).id.equals(id)) {
                    from = i + 1;
                }
            }
        }
        List<Batch> page = newestFirst.subList(Math.min(from, newestFirst.size()),
                Math.min(from + size, newestFirst.size()));
        List<Map<String, Object>> data = new ArrayList<>();
        for (Batch batch : page) {
            synchronized (batch) {
                data.add(view(batch));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("data", data);
        body.put("first_id", page.isEmpty() ? null : page.getFirst().id);
        body.put("last_id", page.isEmpty() ? null : page.getLast().id);
        body.put("has_more", from + size < newestFirst.size());
        return json(200, body);
    }

    /** One look at a batch moves it one step along its script; reaching its end runs it. */
    private Map<String, Object> advance(Batch batch) {
        synchronized (batch) {
            if (batch.cancelRequested) {
                if (!batch.status.equals("cancelled")) {
                    finish(batch, line -> false, "batch_cancelled");
                    batch.status = "cancelled";
                }
                return view(batch);
            }
            if (batch.step < batch.script.size() - 1) {
                // The files are written before the status says the batch ended, as at OpenAI: a look that fails
                // while running the lines leaves the batch where it was, to end at the next look.
                String next = batch.script.get(batch.step + 1);
                switch (next) {
                    case "completed" -> finish(batch, line -> true, null);
                    case "expired" -> finish(batch, batch.runs, "batch_expired");
                    default -> {
                    }
                }
                batch.step++;
                batch.status = next;
            }
            return view(batch);
        }
    }

    /** Runs the lines {@code runs} picks against the model; the others get {@code notRunCode} in the error file. */
    private void finish(Batch batch, IntPredicate runs, String notRunCode) {
        List<String> lines = files.get(batch.inputFileId).lines().filter(line -> !line.isBlank()).toList();
        StringBuilder output = new StringBuilder();
        StringBuilder errors = new StringBuilder();
        batch.completed = 0;
        batch.failed = 0;
        // A few lines at a time, as a batch runner does: 1,500 requests at once overran the model server.
        try (ExecutorService threads = Executors.newFixedThreadPool(LINES_AT_ONCE, Thread.ofVirtual().factory())) {
            List<Future<Map<String, Object>>> results = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (omitted.test(i)) {
                    continue;
                }
                String line = lines.get(i);
                boolean run = runs.test(i);
                results.add(threads.submit(() -> run ? runLine(line) : notRun(line, notRunCode)));
            }
            for (Future<Map<String, Object>> result : results) {
                Map<String, Object> line = result.get();
                boolean ok = line.get("response") instanceof Map<?, ?> response
                        && Integer.valueOf(200).equals(response.get("status_code"));
                (ok ? output : errors).append(FakeLlmServer.json(line)).append('\n');
                if (ok) {
                    batch.completed++;
                } else if (line.get("response") != null) {
                    batch.failed++;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("running the batch failed", e);
        }
        if (!output.isEmpty()) {
            batch.outputFileId = "file-" + ids.incrementAndGet();
            files.put(batch.outputFileId, output.toString());
        }
        if (!errors.isEmpty()) {
            batch.errorFileId = "file-" + ids.incrementAndGet();
            files.put(batch.errorFileId, errors.toString());
        }
    }

    private Map<String, Object> runLine(String line) throws IOException, InterruptedException {
        JsonNode request = MAPPER.readTree(line);
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(model.origin()
                        + request.path("url").asText()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.path("body").toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("status_code", answer.statusCode());
        response.put("request_id", "req_" + ids.incrementAndGet());
        response.put("body", MAPPER.readValue(answer.body(), Object.class));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("id", "batch_req_" + ids.incrementAndGet());
        result.put("custom_id", request.path("custom_id").asText());
        result.put("response", response);
        result.put("error", null);
        return result;
    }

    private Map<String, Object> notRun(String line, String code) throws IOException {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("id", "batch_req_" + ids.incrementAndGet());
        result.put("custom_id", MAPPER.readTree(line).path("custom_id").asText());
        result.put("response", null);
        result.put("error", Map.of("code", code, "message", code.equals("batch_expired")
                ? "This request could not be executed before the completion window expired."
                : "This request was not executed because the batch was cancelled."));
        return result;
    }

    private static Map<String, Object> view(Batch batch) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", batch.id);
        view.put("object", "batch");
        view.put("endpoint", "/v1/chat/completions");
        view.put("errors", batch.status.equals("failed") ? Map.of("object", "list", "data", batch.errors) : null);
        view.put("input_file_id", batch.inputFileId);
        view.put("completion_window", "24h");
        view.put("status", batch.status);
        view.put("output_file_id", batch.outputFileId);
        view.put("error_file_id", batch.errorFileId);
        view.put("created_at", batch.createdAt);
        view.put("request_counts", Map.of("total", batch.completed + batch.failed, "completed", batch.completed,
                "failed", batch.failed));
        view.put("metadata", batch.metadata);
        return view;
    }

    /** The direct API (chat completions) is the model's. */
    private LoopbackServer.Response forward(LoopbackServer.Request request) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(model.origin() + request.target()));
        request.headers().forEach((name, value) -> {
            if (name.equals("content-type") || name.equals("authorization")) {
                builder.header(name, value);
            }
        });
        builder.method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
        try {
            HttpResponse<byte[]> answer = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new LoopbackServer.Response(answer.statusCode(), Map.of("Content-Type",
                    answer.headers().firstValue("content-type").orElse("application/json")), answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The parts of a {@code multipart/form-data} body by field name (RFC 7578), as text. */
    static Map<String, String> multipart(String contentType, byte[] body) {
        Matcher boundary = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!boundary.find()) {
            throw new IllegalArgumentException("not multipart: " + contentType);
        }
        String delimiter = "--" + boundary.group(1);
        String text = new String(body, StandardCharsets.UTF_8);
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : text.split(Pattern.quote(delimiter))) {
            if (part.startsWith("--") || part.isBlank()) {
                continue;
            }
            String withoutLead = part.startsWith("\r\n") ? part.substring(2) : part;
            int headersEnd = withoutLead.indexOf("\r\n\r\n");
            String headers = withoutLead.substring(0, headersEnd);
            String content = withoutLead.substring(headersEnd + 4);
            if (content.endsWith("\r\n")) {
                content = content.substring(0, content.length() - 2);
            }
            Matcher name = NAME.matcher(headers);
            if (name.find()) {
                parts.put(name.group(1), content);
            }
        }
        return parts;
    }

    private static LoopbackServer.Response error(int status, String message) {
        return json(status, Map.of("error", Map.of("message", message, "type", "invalid_request_error")));
    }

    private static LoopbackServer.Response json(int status, Object body) {
        try {
            return new LoopbackServer.Response(status, Map.of("Content-Type", "application/json"),
                    MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
