package dev.llmwatcher.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Ollama's {@code POST /api/generate} with {@code stream:false}, bodies shaped as Ollama sends them. */
public final class FakeOllamaServer extends FakeLlmServer {

    @Override
    protected String path() {
        return "/api/generate";
    }

    @Override
    public URI baseUrl() {
        return origin();
    }

    @Override
    protected String modelOf(JsonNode body) {
        return body.path("model").asText(null);
    }

    @Override
    protected String promptOf(JsonNode body) {
        return body.path("prompt").asText(null);
    }

    @Override
    protected String successBody(Request request, Reply.Success success) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("created_at", Instant.now().toString());
        body.put("response", success.text());
        body.put("done", true);
        body.put("done_reason", success.finishReason());
        body.put("total_duration", 5_000_000L);
        body.put("load_duration", 1_000_000L);
        body.put("prompt_eval_count", success.promptTokens());
        body.put("prompt_eval_duration", 1_000_000L);
        body.put("eval_count", success.completionTokens());
        body.put("eval_duration", 3_000_000L);
        return json(body);
    }

    /** Ollama has no refusal field: the model just says so. */
    @Override
    protected String refusalBody(Request request, String refusal) {
        return successBody(request, new Reply.Success(refusal, 10, 5, "stop"));
    }

    @Override
    protected String errorBody(int status, String message) {
        return json(Map.of("error", message));
    }

    @Override
    protected String modelNotFoundMessage(String model) {
        return "model \"" + model + "\" not found, try pulling it first";
    }
}
