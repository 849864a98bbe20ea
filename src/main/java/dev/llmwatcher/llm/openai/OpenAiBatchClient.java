package dev.llmwatcher.llm.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmwatcher.batch.BatchError;
import dev.llmwatcher.batch.BatchLimits;
import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.batch.BatchResult;
import dev.llmwatcher.batch.ProviderBatch;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.http.JsonHttp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * OpenAI's Batch API (and every server that copies it: LiteLLM's proxy, vLLM, Azure OpenAI): the file goes up with
 * {@code POST /files} (purpose {@code batch}), the batch is made with {@code POST /batches} over the chat completions
 * endpoint and a 24 h window, and read back with {@code GET /batches/{id}} and {@code GET /files/{id}/content}. Each
 * line's {@code body} is what {@link OpenAiClient} sends for a direct call and each answer is read by it too, so a
 * batch answer fails or succeeds exactly as the direct one would. Base URL, key and error mapping are the chat
 * client's.
 */
public final class OpenAiBatchClient implements BatchProvider {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiBatchClient.class);
    public static final String ENDPOINT = "/v1/chat/completions";
    public static final String COMPLETION_WINDOW = "24h";
    /** Error codes OpenAI gives requests it never ran because the batch ended first. */
    private static final Set<String> NOT_RUN = Set.of("batch_expired", "batch_cancelled");
    private static final int PAGE = 100;

    private final JsonHttp http;
    private final OpenAiClient chat;
    private final BatchLimits limits;
    private final Duration timeout;
    private final JsonHttp.Target target;

    /** @param timeout the longest one request may take; an upload of a full file is the longest of them */
    public OpenAiBatchClient(JsonHttp http, OpenAiClient chat, BatchLimits limits, Duration timeout) {
        this.http = http;
        this.chat = chat;
        this.limits = limits;
        this.timeout = timeout;
        this.target = new JsonHttp.Target(chat.label() + " (Batch API)", null);
    }

    @Override
    public BatchLimits limits() {
        return limits;
    }

    @Override
    public String requestLine(String customId, LlmRequest request) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("custom_id", customId);
        line.put("method", "POST");
        line.put("url", ENDPOINT);
        line.put("body", OpenAiClient.body(request));
        return JsonCodec.writeString(line);
    }

    @Override
    public ProviderBatch submit(List<String> lines, Map<String, String> metadata) throws LlmException {
        List<byte[]> chunks = new ArrayList<>(lines.size());
        lines.forEach(line -> chunks.add((line + "\n").getBytes(StandardCharsets.UTF_8)));
        MultipartBody upload = new MultipartBody().field("purpose", "batch")
                .file("file", "llm-watcher-batch.jsonl", "application/jsonl", chunks);
        JsonNode file = http.post(url("/files"), chat.headers(), upload.contentType(), upload.parts(), timeout,
                target);
        String fileId = text(file, "id");
        Map<String, Object> create = new LinkedHashMap<>();
        create.put("input_file_id", fileId);
        create.put("endpoint", ENDPOINT);
        create.put("completion_window", COMPLETION_WINDOW);
        create.put("metadata", metadata);
        return batch(http.post(url("/batches"), chat.headers(), create, timeout, target));
    }

    @Override
    public ProviderBatch get(String batchId) throws LlmException {
        return batch(http.get(url("/batches/" + encode(batchId)), chat.headers(), timeout, target));
    }

    @Override
    public Optional<ProviderBatch> findByMetadata(String key, String value, Instant notBefore) throws LlmException {
        String after = null;
        while (true) {
            JsonNode page = http.get(url("/batches?limit=" + PAGE + (after == null ? "" : "&after=" + encode(after))),
                    chat.headers(), timeout, target);
            boolean older = false;
            for (JsonNode node : page.path("data")) {
                ProviderBatch batch = batch(node);
                if (value.equals(batch.metadata().get(key))) {
                    return Optional.of(batch);
                }
                older |= batch.createdAt().isBefore(notBefore);
                after = batch.id();
            }
            if (older || !page.path("has_more").asBoolean(false) || after == null) {
                return Optional.empty();
            }
        }
    }

    @Override
    public ProviderBatch cancel(String batchId) throws LlmException {
        return batch(http.post(url("/batches/" + encode(batchId) + "/cancel"), chat.headers(), Map.of(), timeout,
                target));
    }

    @Override
    public void results(String fileId, Consumer<BatchResult> each) throws LlmException {
        http.getLines(url("/files/" + encode(fileId) + "/content"), chat.headers(), timeout, target, line -> {
            BatchResult result = result(line);
            if (result != null) {
                each.accept(result);
            }
        });
    }

    @Override
    public void requestIds(String fileId, Consumer<String> each) throws LlmException {
        http.getLines(url("/files/" + encode(fileId) + "/content"), chat.headers(), timeout, target, line -> {
            try {
                each.accept(Json.mapper().readTree(line).path("custom_id").asText(""));
            } catch (JsonProcessingException e) {
                each.accept("");
            }
        });
    }

    /** One output or error line; null (logged) for a line without a custom id, which cannot be matched. */
    private BatchResult result(String line) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(line);
        } catch (JsonProcessingException e) {
            LOG.warn("{} sent an unreadable result line: {}", target.label(), JsonHttp.truncate(line, 200));
            return null;
        }
        String customId = node.path("custom_id").asText(null);
        if (customId == null) {
            LOG.warn("{} sent a result line without custom_id: {}", target.label(), JsonHttp.truncate(line, 200));
            return null;
        }
        JsonNode error = node.path("error");
        if (error.isObject()) {
            String code = error.path("code").asText("");
            String message = target.label() + " did not answer the request" + (code.isEmpty() ? "" : " (" + code + ")")
                    + ": " + error.path("message").asText("");
            LlmException failure = new LlmException(LlmException.Kind.SERVER_ERROR, message);
            return NOT_RUN.contains(code) ? BatchResult.notAnswered(customId, failure)
                    : BatchResult.failed(customId, failure);
        }
        JsonNode response = node.path("response");
        int status = response.path("status_code").asInt(0);
        JsonNode body = response.path("body");
        String model = body.path("model").asText(null);
        if (status / 100 != 2) {
            return BatchResult.failed(customId, JsonHttp.answeredError(status, body.toString(),
                    new JsonHttp.Target(chat.label(), model)));
        }
        try {
            LlmAnswer answer = chat.interpret(body, model, Duration.ZERO);
            return BatchResult.answered(customId, answer);
        } catch (LlmException e) {
            return BatchResult.failed(customId, e);
        }
    }

    private ProviderBatch batch(JsonNode node) throws LlmException {
        String id = text(node, "id");
        Map<String, String> metadata = new LinkedHashMap<>();
        node.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        JsonNode counts = node.path("request_counts");
        List<BatchError> errors = new ArrayList<>();
        for (JsonNode error : node.path("errors").path("data")) {
            errors.add(new BatchError(error.path("code").asText(""), error.path("message").asText(""),
                    error.path("line").asInt(0)));
        }
        return new ProviderBatch(id, node.path("status").asText("unknown"), optional(node, "output_file_id"),
                optional(node, "error_file_id"), new ProviderBatch.RequestCounts(counts.path("total").asLong(0),
                counts.path("completed").asLong(0), counts.path("failed").asLong(0)),
                Map.copyOf(metadata), Instant.ofEpochSecond(node.path("created_at").asLong(0)),
                node.path("input_file_id").asText(""), errors);
    }

    private String text(JsonNode node, String field) throws LlmException {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw JsonHttp.malformed(node.toString(), target, null);
        }
        return value.asText();
    }

    private static Optional<String> optional(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isBlank() ? Optional.of(value.asText()) : Optional.empty();
    }

    private URI url(String path) {
        return JsonHttp.resolve(chat.baseUrl(), path);
    }

    private static String encode(String part) {
        return URLEncoder.encode(part, StandardCharsets.UTF_8);
    }
}
