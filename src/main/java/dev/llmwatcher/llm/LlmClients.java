package dev.llmwatcher.llm;

import java.net.ProxySelector;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Provider name, as written in {@code _llm_watcher.provider}, to its client. Built once per process, so all
 * documents of one provider share one client, one connection pool and one {@link RateLimitGate}. Closing it closes
 * the HTTP client it built, if it built one.
 */
public final class LlmClients implements AutoCloseable {

    public static final String OLLAMA = "ollama";
    public static final String OPENAI = "openai";

    private final Map<String, LlmClient> byProvider;
    private final AutoCloseable owned;

    public LlmClients(Map<String, LlmClient> byProvider) {
        this(byProvider, () -> { });
    }

    private LlmClients(Map<String, LlmClient> byProvider, AutoCloseable owned) {
        this.byProvider = new TreeMap<>();
        byProvider.forEach((name, client) -> this.byProvider.put(name.toLowerCase(Locale.ROOT), client));
        this.owned = owned;
    }

    /**
     * Both providers over one shared HTTP client, each wrapped in retries with its own rate-limit gate.
     *
     * @param ollamaUrl     null to use {@link OllamaClient#DEFAULT_URL}
     * @param openAiBaseUrl null to use {@link OpenAiClient#DEFAULT_BASE_URL}
     * @param openAiApiKey  null or blank for compatible servers that need none
     */
    public static LlmClients create(URI ollamaUrl, URI openAiBaseUrl, String openAiApiKey, Duration connectTimeout) {
        return create(ollamaUrl, openAiBaseUrl, openAiApiKey, connectTimeout, ProxySelector.getDefault());
    }

    /** As above, through the proxies {@code proxies} picks (e.g. {@link ProxyRoutes}; null for none at all). */
    public static LlmClients create(URI ollamaUrl, URI openAiBaseUrl, String openAiApiKey, Duration connectTimeout,
                                    ProxySelector proxies) {
        JsonHttp http = JsonHttp.create(connectTimeout, proxies);
        URI ollama = ollamaUrl != null ? ollamaUrl : OllamaClient.DEFAULT_URL;
        URI openAi = openAiBaseUrl != null ? openAiBaseUrl : OpenAiClient.DEFAULT_BASE_URL;
        return new LlmClients(Map.of(
                OLLAMA, RetryingLlmClient.wrap(new OllamaClient(http, ollama)),
                OPENAI, RetryingLlmClient.wrap(new OpenAiClient(http, openAi, openAiApiKey))), http);
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

    @Override
    public void close() {
        try {
            owned.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not close the LLM clients' HTTP client", e);
        }
    }
}
