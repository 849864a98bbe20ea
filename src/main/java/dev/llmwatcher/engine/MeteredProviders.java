package dev.llmwatcher.engine;

import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmProviders;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every provider's client behind a {@link SpendGate}, whoever built the providers: the application's real clients
 * and the tests' scripted ones are metered the same way. Each client is wrapped once, on first use.
 */
final class MeteredProviders implements LlmProviders {

    private final LlmProviders providers;
    private final SpendGate gate;
    /** By provider name as the gate keys it: one client may serve two providers, each with a budget of its own. */
    private final Map<String, LlmClient> metered = new ConcurrentHashMap<>();

    MeteredProviders(LlmProviders providers, SpendGate gate) {
        this.providers = providers;
        this.gate = gate;
    }

    @Override
    public LlmClient forProvider(String provider) {
        return metered.computeIfAbsent(provider.strip().toLowerCase(Locale.ROOT),
                name -> gate.meter(name, providers.forProvider(provider)));
    }

    @Override
    public String endpoint(String provider) {
        return providers.endpoint(provider);
    }
}
