package dev.llmwatcher.testing;

/**
 * The fake providers of a batch drain test: Ollama, an OpenAI-compatible server, and the Files and Batches API in
 * front of it, with a {@link WatcherFixture} whose OpenAI base URL is the Batch API's. One {@code @AutoClose} field,
 * fresh servers for each test.
 */
public final class BatchApiServers implements AutoCloseable {

    private final FakeOllamaServer ollama = new FakeOllamaServer();
    private final FakeOpenAiServer model = new FakeOpenAiServer();
    private final FakeOpenAiBatchServer batches = new FakeOpenAiBatchServer(model);

    /** Batches that are {@code validating} when submitted and {@code completed} when next looked at. */
    public BatchApiServers completingAtOnce() {
        batches.statuses("validating", "completed");
        return this;
    }

    public FakeOllamaServer ollama() {
        return ollama;
    }

    /** The model behind the Batch API, which also answers direct calls. */
    public FakeOpenAiServer model() {
        return model;
    }

    public FakeOpenAiBatchServer batches() {
        return batches;
    }

    /** The settings of a watcher on {@code es} that calls these servers, OpenAI through the Batch API's base URL. */
    public WatcherFixture fixture(TestElasticsearch es) {
        return new WatcherFixture(es, ollama, model).with("OPENAI_BASE_URL", batches.baseUrl().toString());
    }

    @Override
    public void close() {
        batches.close();
        model.close();
        ollama.close();
    }
}
