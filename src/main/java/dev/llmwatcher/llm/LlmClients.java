package dev.llmwatcher.llm;

import dev.llmwatcher.batch.BatchLimits;
import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.llm.batch.OpenAiBatchClient;

import java.net.ProxySelector;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Provider name, as written in {@code _llm_watcher.provider}, to its client. Built once per process, so all
 * documents of one provider share one client, one connection pool and one {@link RateLimitGate}. Closing it closes
 * the HTTP client it built and Bedrock's SDK client if a call built it.
 */
public final class LlmClients implements AutoCloseable {

    public static final String OLLAMA = "ollama";
    public static final String OPENAI = "openai";
    public static final String BEDROCK = "bedrock";
    /** Every provider a queue document may name. */
    public static final List<String> PROVIDERS = List.of(OLLAMA, OPENAI, BEDROCK);

    /** The longest any call may wait for its answer on a socket: the longest {@code --llm-timeout} allowed. */
    public static final Duration MAX_READ_TIMEOUT = Duration.ofHours(1);
    /** The longest one Batch API request may take: an upload of a full 200 MB file is the longest of them. */
    static final Duration BATCH_REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private final Map<String, LlmClient> byProvider;
    private final Map<String, String> unconfigured;
    private final List<AutoCloseable> owned;
    private final Map<String, String> endpoints;
    private final OpenAiBatchClient openAiBatches;

    public LlmClients(Map<String, LlmClient> byProvider) {
        this(byProvider, Map.of());
    }

    /** @param endpoints per provider, where its requests go (see {@link #endpoint}) */
    public LlmClients(Map<String, LlmClient> byProvider, Map<String, String> endpoints) {
        this(byProvider, Map.of(), List.of(), endpoints, null);
    }

    /**
     * @param unconfigured providers this process knows but was told not to use, each with the reason a document
     *                     asking for it is given
     * @param owned        what closing these clients closes (the HTTP client they share, Bedrock's runtime)
     */
    private LlmClients(Map<String, LlmClient> byProvider, Map<String, String> unconfigured,
                       List<AutoCloseable> owned, Map<String, String> endpoints, OpenAiBatchClient openAiBatches) {
        this.endpoints = new TreeMap<>();
        endpoints.forEach((name, endpoint) -> this.endpoints.put(name.toLowerCase(Locale.ROOT), endpoint));
        this.openAiBatches = openAiBatches;
        this.byProvider = new TreeMap<>();
        byProvider.forEach((name, client) -> this.byProvider.put(name.toLowerCase(Locale.ROOT), client));
        this.unconfigured = new TreeMap<>();
        unconfigured.forEach((name, reason) -> this.unconfigured.put(name.toLowerCase(Locale.ROOT), reason));
        this.owned = owned;
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
     * As above, Ollama and OpenAI through the proxies {@code proxies} picks (e.g. {@link ProxyRoutes}; null for none
     * at all). Bedrock's SDK client is built on its first call, so a process without Bedrock documents never pays
     * for it.
     */
    public static LlmClients create(Optional<URI> ollamaUrl, URI openAiBaseUrl, String openAiApiKey,
                                    Duration connectTimeout, ProxySelector proxies, BedrockRuntime bedrock) {
        JsonHttp http = JsonHttp.create(connectTimeout, proxies);
        URI openAi = openAiBaseUrl != null ? openAiBaseUrl : OpenAiClient.DEFAULT_BASE_URL;
        Map<String, LlmClient> clients = new TreeMap<>();
        OpenAiClient openAiClient = new OpenAiClient(http, openAi, openAiApiKey);
        clients.put(OPENAI, RetryingLlmClient.wrap(openAiClient));
        clients.put(BEDROCK, RetryingLlmClient.wrap(new BedrockClient(bedrock)));
        ollamaUrl.ifPresent(url -> clients.put(OLLAMA, RetryingLlmClient.wrap(new OllamaClient(http, url))));
        return new LlmClients(clients, ollamaUrl.isPresent() ? Map.of()
                : Map.of(OLLAMA, "no Ollama URL is configured (OLLAMA_API_URL is set empty)"),
                List.of(http, bedrock::close), endpoints(ollamaUrl, openAi, bedrock),
                new OpenAiBatchClient(http, openAiClient, BatchLimits.OPENAI, BATCH_REQUEST_TIMEOUT));
    }

    /**
     * The same providers with each client wrapped by {@code wrap} (given the provider's name and its client), e.g. to
     * meter every call against a budget. Everything else is shared: closing either closes what this one owns.
     */
    public LlmClients wrapped(BiFunction<String, LlmClient, LlmClient> wrap) {
        Map<String, LlmClient> clients = new TreeMap<>();
        byProvider.forEach((name, client) -> clients.put(name, wrap.apply(name, client)));
        return new LlmClients(clients, unconfigured, owned, endpoints, openAiBatches);
    }

    /** Where each provider's requests go: what makes one model name on two servers two different models. */
    private static Map<String, String> endpoints(Optional<URI> ollamaUrl, URI openAi, BedrockRuntime bedrock) {
        Map<String, String> endpoints = new TreeMap<>();
        ollamaUrl.ifPresent(url -> endpoints.put(OLLAMA, url.toString()));
        endpoints.put(OPENAI, openAi.toString());
        endpoints.put(BEDROCK, bedrock.endpointName());
        return endpoints;
    }

    /**
     * Where requests for {@code provider} go (the Ollama URL, the OpenAI base URL, Bedrock's region and endpoint),
     * for the answer cache's key: the engine never learns provider URLs itself. Empty when this process has none.
     */
    public String endpoint(String provider) {
        return provider == null ? "" : endpoints.getOrDefault(provider.strip().toLowerCase(Locale.ROOT), "");
    }

    /**
     * OpenAI's Batch API at the same base URL, with the same key and HTTP client as the direct calls; empty for
     * clients made from a plain map (tests of the direct path).
     */
    public Optional<BatchProvider> openAiBatches() {
        return Optional.ofNullable(openAiBatches);
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
