package dev.llmwatcher.llm;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Provider name, as written in {@code _llm_watcher.provider}, to its client. Built once per process, so all
 * documents of one provider share one client, one connection pool and one {@link RateLimitGate}.
 */
public final class LlmClients implements AutoCloseable {

    public static final String OLLAMA = "ollama";
    public static final String OPENAI = "openai";
    public static final String BEDROCK = "bedrock";
    /** Every provider a queue document may name. */
    public static final List<String> PROVIDERS = List.of(OLLAMA, OPENAI, BEDROCK);

    /** The longest any call may wait for its answer on a socket: the longest {@code --llm-timeout} allowed. */
    public static final Duration MAX_READ_TIMEOUT = Duration.ofHours(1);

    private final Map<String, LlmClient> byProvider;
    private final Optional<BedrockRuntime> bedrock;

    public LlmClients(Map<String, LlmClient> byProvider) {
        this(byProvider, Optional.empty());
    }

    private LlmClients(Map<String, LlmClient> byProvider, Optional<BedrockRuntime> bedrock) {
        this.byProvider = new TreeMap<>();
        byProvider.forEach((name, client) -> this.byProvider.put(name.toLowerCase(Locale.ROOT), client));
        this.bedrock = bedrock;
    }

    /**
     * Ollama and OpenAI over one shared HTTP client; Bedrock with the SDK's own region, endpoint and credentials.
     *
     * @param ollamaUrl     null to use {@link OllamaClient#DEFAULT_URL}
     * @param openAiBaseUrl null to use {@link OpenAiClient#DEFAULT_BASE_URL}
     * @param openAiApiKey  null or blank for compatible servers that need none
     */
    public static LlmClients create(URI ollamaUrl, URI openAiBaseUrl, String openAiApiKey, Duration connectTimeout) {
        return create(ollamaUrl, openAiBaseUrl, openAiApiKey, connectTimeout, new BedrockRuntime(
                new BedrockRuntime.Settings(Optional.empty(), Optional.empty(), connectTimeout, MAX_READ_TIMEOUT)));
    }

    /**
     * Every provider, each wrapped in retries with its own rate-limit gate. Bedrock's SDK client is built on its
     * first call, so a process without Bedrock documents never pays for it.
     */
    public static LlmClients create(URI ollamaUrl, URI openAiBaseUrl, String openAiApiKey, Duration connectTimeout,
                                    BedrockRuntime bedrock) {
        JsonHttp http = JsonHttp.create(connectTimeout);
        URI ollama = ollamaUrl != null ? ollamaUrl : OllamaClient.DEFAULT_URL;
        URI openAi = openAiBaseUrl != null ? openAiBaseUrl : OpenAiClient.DEFAULT_BASE_URL;
        return new LlmClients(Map.of(
                OLLAMA, RetryingLlmClient.wrap(new OllamaClient(http, ollama)),
                OPENAI, RetryingLlmClient.wrap(new OpenAiClient(http, openAi, openAiApiKey)),
                BEDROCK, RetryingLlmClient.wrap(new BedrockClient(bedrock))), Optional.of(bedrock));
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

    /** Closes Bedrock's SDK client if a call built it; the others hold nothing that outlives the process's use. */
    @Override
    public void close() {
        bedrock.ifPresent(BedrockRuntime::close);
    }
}
