package dev.llmwatcher.llm.openai;

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
    private final URI baseUrl;
    private final URI endpoint;
    private final String label;
    private final Map<String, String> headers;

    /** @param apiKey sent as a bearer token when non-blank; compatible servers often need none */
    public OpenAiClient(JsonHttp http, URI baseUrl, String apiKey) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.endpoint = JsonHttp.resolve(baseUrl, "/chat/completions");
        this.label = (DEFAULT_BASE_URL.equals(baseUrl) ? "OpenAI" : "OpenAI-compatible server") + " at "
                + JsonHttp.redact(baseUrl);
        this.headers = apiKey == null || apiKey.isBlank() ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
    }

    /** The base URL, for the Files and Batches endpoints beside chat completions. */
    public URI baseUrl() {
        return baseUrl;
    }

    /** Who this client calls, for messages (never with credentials). */
    public String label() {
        return label;
    }

    /** The headers every request to this server carries (its bearer token, if any). */
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public LlmAnswer complete(LlmRequest request) throws LlmException {
        long started = System.nanoTime();
        JsonHttp.Target target = new JsonHttp.Target(label, request.model());
        JsonNode answer = http.post(endpoint, headers, body(request), request.timeout(), target);
        return interpret(answer, request.model(), Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * A chat completion as OpenAI returns it, read into an answer; one reading for a direct call's answer and a batch
     * output line's {@code response.body}, so both fail the same way on a refusal, a filter or a truncation.
     */
    public LlmAnswer interpret(JsonNode answer, String model, Duration latency) throws LlmException {
        JsonHttp.Target target = new JsonHttp.Target(label, model);
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
        return new LlmAnswer(content.asText(), tokens, finishReason, latency);
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

    /**
     * The chat completion request body for {@code request}: what a direct call sends, and what a batch file's line
     * carries as its {@code body}, so a batch answer is the answer the direct call would have had.
     */
    public static Map<String, Object> body(LlmRequest request) {
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
