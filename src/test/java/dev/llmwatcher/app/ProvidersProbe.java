package dev.llmwatcher.app;

import dev.llmwatcher.llm.ProviderNames;
import dev.llmwatcher.llm.ollama.OllamaClient;
import java.time.Duration;
import java.util.Optional;

/** Builds the providers as every run does and picks Bedrock's, without calling it; run in a JVM of its own. */
public final class ProvidersProbe {

    private ProvidersProbe() {
    }

    public static void main(String[] args) {
        try (LlmClients clients = LlmClients.create(Optional.of(OllamaClient.DEFAULT_URL), null, null,
                Duration.ofSeconds(1))) {
            clients.forProvider(ProviderNames.BEDROCK);
            clients.forProvider(ProviderNames.OLLAMA);
        }
    }
}
