package dev.llmwatcher.app;

import dev.llmwatcher.batch.BatchLimits;
import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmProviders;
import dev.llmwatcher.llm.UnknownProviderException;
import dev.llmwatcher.llm.bedrock.BedrockClient;
import dev.llmwatcher.llm.bedrock.BedrockRuntime;
import dev.llmwatcher.llm.http.JsonHttp;
import dev.llmwatcher.llm.http.ProxyRoutes;
import dev.llmwatcher.llm.ollama.OllamaClient;
import dev.llmwatcher.llm.openai.OpenAiBatchClient;
import dev.llmwatcher.llm.openai.OpenAiClient;
import dev.llmwatcher.llm.retry.RateLimitGate;
import dev.llmwatcher.llm.retry.RetryingLlmClient;

import java.net.ProxySelector;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static dev.llmwatcher.llm.ProviderNames.BEDROCK;
import static dev.llmwatcher.llm.ProviderNames.OLLAMA;
import static dev.llmwatcher.llm.ProviderNames.OPENAI;

/**
 * The providers of one process, built from their packages: provider name, as written in {@code
 * _llm_watcher.provider}, to its client. Built once per process, so all documents of one provider share one client,
 * one connection pool and one {@link RateLimitGate}. Closing it closes the HTTP client it built and Bedrock's SDK
 * client if a call built it. The engine sees it only as {@link LlmProviders}.
 *
 * <p>Adding a provider is a package of its own with an {@link dev.llmwatcher.llm.LlmClient}, its name in {@link
 * dev.llmwatcher.llm.ProviderNames}, and one {@link Builder#add} line in {@link #create}.
 */
public final class LlmClients implements LlmProviders, AutoCloseable {

    /** The longest any call may wait for its answer on a socket: the longest {@code --llm-timeout} allowed. */
    public static final Duration MAX_READ_TIMEOUT = Duration.ofHours(1);
    /** The longest one Batch API request may take: an upload of a full 200 MB file is the longest of them. */
    static final Duration BATCH_REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private final Map<String, LlmClient> byProvider;
    private final Map<String, String> unconfigured;
    private final List<AutoCloseable> owned;
    private final Map<String, String> endpoints;
    private final BatchProvider openAiBatches;

    private LlmClients(Builder built, BatchProvider openAiBatches) {
        this.byProvider = built.clients;
        this.unconfigured = built.unconfigured;
        this.endpoints = built.endpoints;
        this.owned = List.copyOf(built.owned);
        this.openAiBatches = openAiBatches;
    }

    /**
     * Every provider: Ollama and OpenAI over one shared HTTP client, Bedrock with the SDK's own region, endpoint and
     * credentials; each wrapped in retries with its own rate-limit gate.
     *
     * @param ollamaUrl     empty for no Ollama: documents asking for it then fail before any call
     * @param openAiBaseUrl null to use {@link OpenAiClient#DEFAULT_BASE_URL}
     * @param openAiApiKey  null or blank for compatible servers that need none
     */
    public static LlmClients create(Optional<URI> ollamaUrl, URI openAiBaseUrl, String openAiApiKey,
                                    Duration connectTimeout) {
        return create(ollamaUrl, openAiBaseUrl, openAiApiKey, connectTimeout, ProxySelector.getDefault(),
                new BedrockRuntime(new BedrockRuntime.Settings(Optional.empty(), Optional.empty(), connectTimeout,
                        MAX_READ_TIMEOUT)));
    }

    /**
     * As above, Ollama and OpenAI through the proxies {@code proxies} picks (e.g. {@link ProxyRoutes}; {@link
     * java.net.http.HttpClient.Builder#NO_PROXY} for none at all). Bedrock's SDK client is built on its first call,
     * so a process without Bedrock documents never pays for it. One line per provider.
     */
    public static LlmClients create(Optional<URI> ollamaUrl, URI openAiBaseUrl, String openAiApiKey,
                                    Duration connectTimeout, ProxySelector proxies, BedrockRuntime bedrock) {
        JsonHttp http = JsonHttp.create(connectTimeout, proxies);
        URI openAiUrl = openAiBaseUrl != null ? openAiBaseUrl : OpenAiClient.DEFAULT_BASE_URL;
        OpenAiClient openAi = new OpenAiClient(http, openAiUrl, openAiApiKey);
        Builder providers = new Builder(http, bedrock::close);
        providers.add(OPENAI, openAi, openAiUrl.toString());
        providers.add(BEDROCK, new BedrockClient(bedrock), bedrock.endpointName());
        ollamaUrl.ifPresentOrElse(url -> providers.add(OLLAMA, new OllamaClient(http, url), url.toString()),
                () -> providers.unavailable(OLLAMA, "no Ollama URL is configured (OLLAMA_API_URL is set empty)"));
        return new LlmClients(providers, new OpenAiBatchClient(http, openAi, BatchLimits.OPENAI,
                BATCH_REQUEST_TIMEOUT));
    }

    /** The providers as they are added, each wrapped in retries with its own rate-limit gate. */
    private static final class Builder {

        private final Map<String, LlmClient> clients = new TreeMap<>();
        private final Map<String, String> unconfigured = new TreeMap<>();
        private final Map<String, String> endpoints = new TreeMap<>();
        private final List<AutoCloseable> owned = new ArrayList<>();

        /** @param owned what closing the clients closes (the HTTP client they share, Bedrock's runtime) */
        Builder(AutoCloseable... owned) {
            this.owned.addAll(List.of(owned));
        }

        /** @param endpoint where the provider's requests go, for the answer cache's key */
        void add(String name, LlmClient client, String endpoint) {
            clients.put(name, RetryingLlmClient.wrap(client));
            endpoints.put(name, endpoint);
        }

        /** A provider this process knows but was told not to use, with the reason a document asking for it gets. */
        void unavailable(String name, String reason) {
            unconfigured.put(name, reason);
        }
    }

    @Override
    public String endpoint(String provider) {
        return provider == null ? "" : endpoints.getOrDefault(provider.strip().toLowerCase(Locale.ROOT), "");
    }

    /** OpenAI's Batch API at the same base URL, with the same key and HTTP client as the direct calls. */
    public BatchProvider openAiBatches() {
        return openAiBatches;
    }

    @Override
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
        IllegalStateException failure = null;
        for (AutoCloseable resource : owned) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("could not close the LLM clients", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
