package dev.llmwatcher.config;

import java.net.URI;
import java.time.Duration;

/** Where the LLM providers are and how long one call may take. */
public record LlmAccess(URI ollamaUrl, URI openAiBaseUrl, Secret openAiApiKey, Duration callTimeout,
                        BedrockAccess bedrock) {

    /** Without Bedrock settings: the SDK's region chain and the public endpoint. */
    public LlmAccess(URI ollamaUrl, URI openAiBaseUrl, Secret openAiApiKey, Duration callTimeout) {
        this(ollamaUrl, openAiBaseUrl, openAiApiKey, callTimeout, BedrockAccess.DEFAULT);
    }

    public LlmAccess withOpenAiApiKey(Secret key) {
        return new LlmAccess(ollamaUrl, openAiBaseUrl, key, callTimeout, bedrock);
    }
}
