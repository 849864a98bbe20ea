package dev.llmwatcher.llm;

/**
 * One LLM provider's wire protocol, one implementation per provider package ({@code llm.ollama}, {@code llm.openai},
 * {@code llm.bedrock}). Implementations are thread-safe and know nothing of Elasticsearch or of queue documents.
 */
public interface LlmClient {

    /**
     * Sends one prompt and returns the raw answer. Blocks the calling (virtual) thread for at most the request's
     * timeout.
     *
     * @throws LlmException for every failure, typed by {@link LlmException.Kind}
     */
    LlmAnswer complete(LlmRequest request) throws LlmException;
}
