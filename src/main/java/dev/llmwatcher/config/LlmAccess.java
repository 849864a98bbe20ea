package dev.llmwatcher.config;

import java.net.URI;
import java.time.Duration;

/** Where the LLM providers are, how long one call may take, and through which proxies they are reached. */
public record LlmAccess(URI ollamaUrl, URI openAiBaseUrl, Secret openAiApiKey, Duration callTimeout,
                        ProxySettings proxies) {

    public LlmAccess withOpenAiApiKey(Secret key) {
        return new LlmAccess(ollamaUrl, openAiBaseUrl, key, callTimeout, proxies);
    }
}
