package dev.llmwatcher.batch;

import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A provider's asynchronous batch interface as the engine needs it: requests go up as one file, answers come back
 * within a completion window at a lower price. The only implementation speaks OpenAI's Files and Batches API
 * ({@code llm.openai.OpenAiBatchClient}); the engine tests run it against a local server speaking that API.
 */
public interface BatchProvider {

    /** What one batch may hold; the engine splits its submissions to fit. */
    BatchLimits limits();

    /** The file line that asks for {@code request}'s answer under {@code customId}, without its line break. */
    String requestLine(String customId, LlmRequest request);

    /**
     * Uploads the lines as one file and creates a batch over it, tagged with {@code metadata} (by which {@link
     * #findByMetadata} finds it again after a crash).
     */
    ProviderBatch submit(List<String> lines, Map<String, String> metadata) throws LlmException;

    /** A batch's state now. */
    ProviderBatch get(String batchId) throws LlmException;

    /**
     * The batch created since {@code notBefore} whose metadata holds {@code key} = {@code value}, if any: how a
     * submission whose batch id was never recorded is recovered instead of paid for twice.
     */
    Optional<ProviderBatch> findByMetadata(String key, String value, Instant notBefore) throws LlmException;

    /** Asks the provider to cancel a batch; its documents come back once it is {@code cancelled}. */
    ProviderBatch cancel(String batchId) throws LlmException;

    /**
     * Streams the {@code custom_id}s of an uploaded file of requests, in the file's order: how a line number the
     * provider names in a validation error is turned back into the document it asked for.
     */
    void requestIds(String fileId, Consumer<String> each) throws LlmException;

    /** Streams a result file (output or error) line by line, never whole in memory. */
    void results(String fileId, Consumer<BatchResult> each) throws LlmException;
}
