package dev.llmwatcher.config;

import java.net.URI;
import java.time.Duration;

/** Where the LLM providers are and how long one call may take. */
public record LlmAccess(URI ollamaUrl, URI openAiBaseUrl, Secret openAiApiKey, Duration callTimeout) {

    public LlmAccess withOpenAiApiKey(Secret key) {
        return new LlmAccess(ollamaUrl, openAiBaseUrl, key, callTimeout);
    }
}
