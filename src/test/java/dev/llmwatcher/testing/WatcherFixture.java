package dev.llmwatcher.testing;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings map a test hands to {@link ConfigReader}: a test cluster (its URL, and its CA when it speaks
 * HTTPS), the fake LLM servers, and a queue index of the test's own. Tests add or override entries with {@link #with}.
 * {@link #withFakeProviders} also starts the fake servers and closes them with the fixture, so a test declares it as
 * one {@code @AutoClose} field and JUnit gives each test method fresh servers.
 */
public final class WatcherFixture implements AutoCloseable {

    private final Map<String, String> settings = new HashMap<>();
    private final String queueIndex;
    private final FakeOllamaServer ollama;
    private final FakeOpenAiServer openAi;
    private final boolean ownsServers;

    public WatcherFixture(TestCluster cluster, FakeOllamaServer ollama, FakeOpenAiServer openAi) {
        this(cluster, ollama, openAi, false);
    }

    /** A fixture over a fake Ollama and a fake OpenAI-compatible server of its own, closed with it. */
    public static WatcherFixture withFakeProviders(TestCluster cluster) {
        return new WatcherFixture(cluster, new FakeOllamaServer(), new FakeOpenAiServer(), true);
    }

    private WatcherFixture(TestCluster cluster, FakeOllamaServer ollama, FakeOpenAiServer openAi,
                           boolean ownsServers) {
        this.ollama = ollama;
        this.openAi = openAi;
        this.ownsServers = ownsServers;
        this.queueIndex = TestElasticsearch.uniqueIndex("queue");
        settings.putAll(cluster.connectionVariables());
        settings.put("OLLAMA_API_URL", ollama.baseUrl().toString());
        settings.put("OPENAI_BASE_URL", openAi.baseUrl().toString());
        settings.put("OPENAI_API_KEY", "sk-test-fixture-key");
        settings.put("LLM_WATCHER_WATCH_INDEX", queueIndex);
        settings.put("LLM_WATCHER_RETRY_BACKOFF", "0");
    }

    public WatcherFixture with(String variable, String value) {
        settings.put(variable, value);
        return this;
    }

    /** Bedrock in {@code region}, its calls going to {@code bedrock}. */
    public WatcherFixture withBedrock(FakeBedrockServer bedrock, String region) {
        return with("AWS_REGION", region).with("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.endpoint().toString());
    }

    public String queueIndex() {
        return queueIndex;
    }

    public Map<String, String> settings() {
        return Map.copyOf(settings);
    }

    public WatcherConfig config() {
        return ConfigReader.read(settings);
    }

    public Watcher watcher() {
        return Watcher.create(config(), Clock.systemUTC(), "test");
    }

    public FakeOllamaServer ollama() {
        return ollama;
    }

    public FakeOpenAiServer openAi() {
        return openAi;
    }

    /** Closes the fake servers when this fixture started them. */
    @Override
    public void close() {
        if (ownsServers) {
            ollama.close();
            openAi.close();
        }
    }
}
