package dev.llmwatcher.testing;

import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmProviders;
import dev.llmwatcher.llm.UnknownProviderException;

import java.util.List;
import java.util.Locale;

/**
 * The providers of an engine test: every name in {@code names} is answered by the same client (a {@link
 * ScriptedLlmClient}, say), its requests going to {@code endpoint}; any other name is unknown, as in production.
 */
public record ScriptedProviders(LlmClient client, String endpoint, List<String> names) implements LlmProviders {

    @Override
    public LlmClient forProvider(String provider) {
        if (provider == null || !names.contains(provider.strip().toLowerCase(Locale.ROOT))) {
            throw new UnknownProviderException("unknown LLM provider " + (provider == null ? "(none given)"
                    : "\"" + provider + "\"") + "; known providers: " + String.join(", ", names));
        }
        return client;
    }

    @Override
    public String endpoint(String provider) {
        return provider != null && names.contains(provider.strip().toLowerCase(Locale.ROOT)) ? endpoint : "";
    }
}
