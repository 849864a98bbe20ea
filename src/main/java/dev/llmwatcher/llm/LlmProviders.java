package dev.llmwatcher.llm;

/**
 * The client for each provider a queue document may name: all the engine asks of the providers, so it never depends
 * on how they are built (that is the application's assembly, {@code app.LlmClients}). Thread-safe.
 */
public interface LlmProviders {

    /**
     * The client for {@code provider}, as a queue document names it (case and surrounding blanks do not matter).
     *
     * @throws UnknownProviderException naming the known providers, or saying why a known one is not available here
     */
    LlmClient forProvider(String provider);

    /**
     * Where requests for {@code provider} go (the Ollama URL, the OpenAI base URL, Bedrock's region and endpoint), for
     * the answer cache's key: one model name on two servers is two models. Empty when this process has none.
     */
    String endpoint(String provider);
}
