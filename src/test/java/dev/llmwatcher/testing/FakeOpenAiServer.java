package dev.llmwatcher.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * OpenAI's {@code POST /v1/chat/completions}, bodies and error shapes as OpenAI sends them. The prompt is the last
 * user message's content.
 */
public final class FakeOpenAiServer extends FakeLlmServer {

    private final AtomicLong ids = new AtomicLong();

    @Override
    protected String path() {
        return "/v1/chat/completions";
    }

    @Override
    public URI baseUrl() {
        return URI.create(origin() + "/v1");
    }

    @Override
    protected String modelOf(JsonNode body) {
        return body.path("model").asText(null);
    }

    @Override
    protected String promptOf(JsonNode body) {
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.path(i).path("role").asText())) {
                return messages.path(i).path("content").asText(null);
            }
        }
        return null;
    }

    @Override
    protected String successBody(Request request, Reply.Success success) {
        Map<String, Object> message = new HashMap<>();
        message.put("role", "assistant");
        message.put("content", success.text());
        message.put("refusal", null);
        return completion(request, message, success.finishReason(), success.promptTokens(),
                success.completionTokens());
    }

    @Override
    protected String refusalBody(Request request, String refusal) {
        Map<String, Object> message = new HashMap<>();
        message.put("role", "assistant");
        message.put("content", null);
        message.put("refusal", refusal);
        return completion(request, message, "stop", 10, 5);
    }

    private String completion(Request request, Map<String, Object> message, String finishReason, long promptTokens,
                              long completionTokens) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", "chatcmpl-fake" + ids.incrementAndGet());
        body.put("object", "chat.completion");
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("model", request.model());
        body.put("choices", List.of(choice));
        body.put("usage", Map.of("prompt_tokens", promptTokens, "completion_tokens", completionTokens,
                "total_tokens", promptTokens + completionTokens));
        return json(body);
    }

    /**
     * LiteLLM's proxy refusing a call because a budget (a key's, a user's, a team's, a model's) is spent, before any
     * provider is called: its {@code ProxyException} body, {@code error.type} {@code budget_exceeded}, {@code code} the
     * status as a string. The status is 400 in older LiteLLM versions, 429 in newer ones, or what its operator set.
     */
    public static Reply budgetExceeded(int status, String message) {
        Map<String, Object> error = new HashMap<>();
        error.put("message", message);
        error.put("type", "budget_exceeded");
        error.put("param", null);
        error.put("code", Integer.toString(status));
        return Reply.raw(status, json(Map.of("error", error)));
    }

    @Override
    protected String errorBody(int status, String message) {
        String type = switch (status) {
            case 401 -> "invalid_request_error";
            case 429 -> "requests";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
        String code = switch (status) {
            case 401 -> "invalid_api_key";
            case 404 -> "model_not_found";
            case 429 -> "rate_limit_exceeded";
            default -> null;
        };
        Map<String, Object> error = new HashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", null);
        error.put("code", code);
        return json(Map.of("error", error));
    }

    @Override
    protected String modelNotFoundMessage(String model) {
        return "The model `" + model + "` does not exist or you do not have access to it.";
    }
}
