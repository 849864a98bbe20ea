package dev.llmwatcher.llm.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmwatcher.llm.Formats;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.llm.http.JsonHttp;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ollama's {@code /api/generate} with {@code stream:false}: one JSON answer per prompt, which is all a queue drain
 * needs. The schema goes into {@code format} so Ollama constrains decoding to it.
 */
public final class OllamaClient implements LlmClient {

    public static final URI DEFAULT_URL = URI.create("http://localhost:11434");

    private final JsonHttp http;
    private final URI endpoint;
    private final String label;

    public OllamaClient(JsonHttp http, URI baseUrl) {
        this.http = http;
        this.endpoint = JsonHttp.resolve(baseUrl, "/api/generate");
        this.label = "Ollama at " + JsonHttp.redact(baseUrl);
    }

    @Override
    public LlmAnswer complete(LlmRequest request) throws LlmException {
        long started = System.nanoTime();
        JsonHttp.Target target = new JsonHttp.Target(label, request.model());
        JsonNode answer = http.post(endpoint, Map.of(), body(request), request.timeout(), target);
        JsonNode response = answer.path("response");
        if (!response.isTextual()) {
            throw JsonHttp.malformed(answer.toString(), target, null);
        }
        String doneReason = answer.path("done_reason").isTextual() ? answer.path("done_reason").asText() : null;
        if ("length".equals(doneReason)) {
            throw new LlmException(LlmException.Kind.TRUNCATED,
                    "answer truncated at the token limit (done_reason=length) by " + label);
        }
        TokenUsage usage = new TokenUsage(answer.path("prompt_eval_count").asLong(0),
                answer.path("eval_count").asLong(0));
        return new LlmAnswer(response.asText(), usage, doneReason, Duration.ofNanos(System.nanoTime() - started));
    }

    static Map<String, Object> body(LlmRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("prompt", request.prompt());
        body.put("stream", false);
        if (Formats.isPresent(request.format())) {
            body.put("format", request.format());
        }
        if (!request.options().isEmpty()) {
            body.put("options", request.options());
        }
        return body;
    }
}
