package dev.llmwatcher.llm;

import java.net.ProxySelector;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
    private final Map<String, String> unconfigured;
    private final AutoCloseable owned;

    public LlmClients(Map<String, LlmClient> byProvider) {
        this(byProvider, Map.of(), () -> { });
    }

    /**
     * @param unconfigured providers this process knows but was told not to use, each with the reason a document
     *                     asking for it is given
     * @param owned        what closing these clients closes (the HTTP client they share)
     */
    private LlmClients(Map<String, LlmClient> byProvider, Map<String, String> unconfigured, AutoCloseable owned) {
        this.byProvider = new TreeMap<>();
        byProvider.forEach((name, client) -> this.byProvider.put(name.toLowerCase(Locale.ROOT), client));
        this.unconfigured = new TreeMap<>();
        unconfigured.forEach((name, reason) -> this.unconfigured.put(name.toLowerCase(Locale.ROOT), reason));
        this.owned = owned;
    }

    /**
     * Both providers over one shared HTTP client, each wrapped in retries with its own rate-limit gate.
     *
     * @param ollamaUrl     empty for no Ollama: documents asking for it then fail before any call
     * @param openAiBaseUrl null to use {@link OpenAiClient#DEFAULT_BASE_URL}
     * @param openAiApiKey  null or blank for compatible servers that need none
     */
    public static LlmClients create(Optional<URI> ollamaUrl, URI openAiBaseUrl, String openAiApiKey,
                                    Duration connectTimeout) {
        return create(ollamaUrl, openAiBaseUrl, openAiApiKey, connectTimeout, ProxySelector.getDefault());
    }

    /** As above, through the proxies {@code proxies} picks (e.g. {@link ProxyRoutes}; null for none at all). */
    public static LlmClients create(Optional<URI> ollamaUrl, URI openAiBaseUrl, String openAiApiKey,
                                    Duration connectTimeout, ProxySelector proxies) {
        JsonHttp http = JsonHttp.create(connectTimeout, proxies);
        URI openAi = openAiBaseUrl != null ? openAiBaseUrl : OpenAiClient.DEFAULT_BASE_URL;
        Map<String, LlmClient> clients = new TreeMap<>();
        clients.put(OPENAI, RetryingLlmClient.wrap(new OpenAiClient(http, openAi, openAiApiKey)));
        ollamaUrl.ifPresent(url -> clients.put(OLLAMA, RetryingLlmClient.wrap(new OllamaClient(http, url))));
        return new LlmClients(clients, ollamaUrl.isPresent() ? Map.of()
                : Map.of(OLLAMA, "no Ollama URL is configured (OLLAMA_API_URL is set empty)"), http);
    }

    /** @throws UnknownProviderException naming the known providers */
    public LlmClient forProvider(String name) {
        String key = name == null ? null : name.strip().toLowerCase(Locale.ROOT);
        LlmClient client = key == null ? null : byProvider.get(key);
        if (client == null && key != null && unconfigured.containsKey(key)) {
            throw new UnknownProviderException("LLM provider \"" + name.strip() + "\" is not available here: "
                    + unconfigured.get(key));
        }
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
