package dev.llmwatcher.llm;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Provider name, as written in {@code _llm_watcher.provider}, to its client. Built once per process, so all
 * documents of one provider share one client, one connection pool and one {@link RateLimitGate}.
 */
public final class LlmClients {

    public static final String OLLAMA = "ollama";
    public static final String OPENAI = "openai";

    private final Map<String, LlmClient> byProvider;

    public LlmClients(Map<String, LlmClient> byProvider) {
        this.byProvider = new TreeMap<>();
        byProvider.forEach((name, client) -> this.byProvider.put(name.toLowerCase(Locale.ROOT), client));
    }

    /**
     * Both providers over one shared HTTP client, each wrapped in retries with its own rate-limit gate.
     *
     * @param ollamaUrl     null to use {@link OllamaClient#DEFAULT_URL}
     * @param openAiBaseUrl null to use {@link OpenAiClient#DEFAULT_BASE_URL}
     * @param openAiApiKey  null or blank for compatible servers that need none
     */
    public static LlmClients create(URI ollamaUrl, URI openAiBaseUrl, String openAiApiKey, Duration connectTimeout) {
        JsonHttp http = JsonHttp.create(connectTimeout);
        URI ollama = ollamaUrl != null ? ollamaUrl : OllamaClient.DEFAULT_URL;
        URI openAi = openAiBaseUrl != null ? openAiBaseUrl : OpenAiClient.DEFAULT_BASE_URL;
        return new LlmClients(Map.of(
                OLLAMA, RetryingLlmClient.wrap(new OllamaClient(http, ollama)),
                OPENAI, RetryingLlmClient.wrap(new OpenAiClient(http, openAi, openAiApiKey))));
    }

    /** @throws UnknownProviderException naming the known providers */
    public LlmClient forProvider(String name) {
        LlmClient client = name == null ? null : byProvider.get(name.strip().toLowerCase(Locale.ROOT));
        if (client == null) {
            throw new UnknownProviderException("unknown LLM provider " + (name == null ? "(none given)"
                    : "\"" + name + "\"") + "; known providers: " + String.join(", ", byProvider.keySet()));
        }
        return client;
    }
}
