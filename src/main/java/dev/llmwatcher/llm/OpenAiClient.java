package dev.llmwatcher.llm;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI Chat Completions, and every server that copies it (vLLM, llama.cpp server, LM Studio, Ollama's
 * {@code /v1}): only the base URL differs. Options are merged at the top level of the body, as that API expects
 * {@code temperature}, {@code max_tokens}, {@code seed}, ... there.
 */
public final class OpenAiClient implements LlmClient {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.openai.com/v1");

    private final JsonHttp http;
    private final URI endpoint;
    private final String label;
    private final Map<String, String> headers;

    /** @param apiKey sent as a bearer token when non-blank; compatible servers often need none */
    public OpenAiClient(JsonHttp http, URI baseUrl, String apiKey) {
        this.http = http;
        this.endpoint = JsonHttp.resolve(baseUrl, "/chat/completions");
        this.label = (DEFAULT_BASE_URL.equals(baseUrl) ? "OpenAI" : "OpenAI-compatible server") + " at "
                + JsonHttp.redact(baseUrl);
        this.headers = apiKey == null || apiKey.isBlank() ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
    }

    @Override
    public LlmAnswer complete(LlmRequest request) throws LlmException {
        long started = System.nanoTime();
        JsonHttp.Target target = new JsonHttp.Target(label, request.model());
        JsonNode answer = http.post(endpoint, headers, body(request), request.timeout(), target);
        JsonNode choice = answer.path("choices").path(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw JsonHttp.malformed(answer.toString(), target, null);
        }
        String finishReason = choice.path("finish_reason").isTextual() ? choice.path("finish_reason").asText() : null;
        checkFinish(message, finishReason);
        JsonNode content = message.path("content");
        if (!content.isTextual()) {
            throw JsonHttp.malformed(answer.toString(), target, null);
        }
        JsonNode usage = answer.path("usage");
        TokenUsage tokens = new TokenUsage(usage.path("prompt_tokens").asLong(0),
                usage.path("completion_tokens").asLong(0));
        return new LlmAnswer(content.asText(), tokens, finishReason, Duration.ofNanos(System.nanoTime() - started));
    }

    private void checkFinish(JsonNode message, String finishReason) throws LlmException {
        JsonNode refusal = message.path("refusal");
        if (refusal.isTextual()) {
            throw new LlmException(LlmException.Kind.REFUSED,
                    "the model refused to answer: " + JsonHttp.truncate(refusal.asText(), JsonHttp.MAX_BODY_CHARS));
        }
        if ("content_filter".equals(finishReason)) {
            throw new LlmException(LlmException.Kind.REFUSED,
                    "the answer was withheld by " + label + "'s content filter (finish_reason=content_filter)");
        }
        if ("length".equals(finishReason)) {
            throw new LlmException(LlmException.Kind.TRUNCATED,
                    "answer truncated at the token limit (finish_reason=length) by " + label);
        }
    }

    static Map<String, Object> body(LlmRequest request) {
        Map<String, Object> body = new LinkedHashMap<>(request.options());
        body.put("model", request.model());
        body.put("messages", List.of(Map.of("role", "user", "content", request.prompt())));
        Object format = request.format();
        if (Formats.isSchema(format)) {
            body.put("response_format", Map.of("type", "json_schema",
                    "json_schema", Map.of("name", "answer", "schema", format, "strict", false)));
        } else if (Formats.isPresent(format)) {
            body.put("response_format", Map.of("type", "json_object"));
        }
        return body;
    }
}
