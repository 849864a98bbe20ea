package dev.llmwatcher.opensearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.PipelineSpec;
import dev.llmwatcher.store.InstallContent;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code setup} installs on OpenSearch, as on Elasticsearch ({@link InstallContent}): the stored painless script
 * and the ingest pipeline calling it, each left alone when identical (the script by its source, the pipeline by the
 * content hash at the end of its description: OpenSearch pipelines take no {@code _meta}). OpenSearch runs the
 * original script unchanged. Closes its own client.
 */
public final class OpenSearchSetup implements AutoCloseable {

    /** What an install did. */
    public enum Result { CREATED, UPDATED, UNCHANGED }

    private final OpenSearchClient client;
    private final RawRequests raw;

    private OpenSearchSetup(OpenSearchClient client, OpenSearchFailures failures) {
        this.client = client;
        this.raw = new RawRequests(client, failures);
    }

    public static OpenSearchSetup open(ElasticsearchSettings settings) {
        return new OpenSearchSetup(OpenSearchClients.create(settings), new OpenSearchFailures(settings));
    }

    public Result installScript() {
        String source = InstallContent.scriptSource();
        RawRequests.Answer current = raw.send("GET", "/_scripts/" + InstallContent.SCRIPT_ID, null,
                "read the script " + InstallContent.SCRIPT_ID, 404);
        Optional<String> installed = current.status() == 404 ? Optional.empty()
                : Optional.of(current.json().get("script") instanceof Map<?, ?> script
                        ? String.valueOf(script.get("source")) : "");
        if (installed.filter(source::equals).isPresent()) {
            return Result.UNCHANGED;
        }
        raw.send("PUT", "/_scripts/" + InstallContent.SCRIPT_ID, Map.of("script", Map.of("lang", "painless",
                "source", source)), "store the script " + InstallContent.SCRIPT_ID);
        return installed.isPresent() ? Result.UPDATED : Result.CREATED;
    }

    public Result installPipeline(PipelineSpec spec) {
        Map<String, Object> body = new LinkedHashMap<>(InstallContent.pipeline(spec));
        String hash = InstallContent.hash(InstallContent.canonical(body));
        RawRequests.Answer current = raw.send("GET", "/_ingest/pipeline/" + spec.name(), null,
                "read the ingest pipeline " + spec.name(), 404);
        Optional<String> installed = current.status() == 404 ? Optional.empty() : Optional.of(
                current.json().get(spec.name()) instanceof Map<?, ?> pipeline
                        ? String.valueOf(pipeline.get("description")) : "");
        String description = body.get("description") + " [content_hash " + hash + "]";
        if (installed.filter(description::equals).isPresent()) {
            return Result.UNCHANGED;
        }
        body.put("description", description);
        raw.send("PUT", "/_ingest/pipeline/" + spec.name(), body, "store the ingest pipeline " + spec.name());
        return installed.isPresent() ? Result.UPDATED : Result.CREATED;
    }

    @Override
    public void close() {
        try {
            client._transport().close();
        } catch (IOException e) {
            // nothing left to lose: the process is done with this client
        }
    }
}
