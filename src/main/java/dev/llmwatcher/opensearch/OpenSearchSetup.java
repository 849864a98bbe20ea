package dev.llmwatcher.opensearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.PipelineSpec;
import dev.llmwatcher.queue.QueueTemplate;
import dev.llmwatcher.queue.SortField;
import dev.llmwatcher.store.IndexTemplates;
import dev.llmwatcher.store.InstallContent;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code setup} installs on OpenSearch, as on Elasticsearch ({@link InstallContent}, {@link IndexTemplates}): the
 * stored painless script and the ingest pipeline calling it, each left alone when identical (the script by its
 * source, the pipeline by the content hash at the end of its description: OpenSearch pipelines take no
 * {@code _meta}), and the composable index templates of the queue, the answer cache and the token ledger (by the
 * content hash in their {@code _meta}). OpenSearch runs the original script unchanged. Closes the client it opened.
 */
public final class OpenSearchSetup implements QueueTemplate, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenSearchSetup.class);

    /** What an install did. */
    public enum Result { CREATED, UPDATED, UNCHANGED }

    private final OpenSearchClient client;
    private final RawRequests raw;
    private final boolean ownsClient;

    private OpenSearchSetup(OpenSearchClient client, OpenSearchFailures failures, boolean ownsClient) {
        this.client = client;
        this.raw = new RawRequests(client, failures);
        this.ownsClient = ownsClient;
    }

    /** Over a client of its own, closed with this. */
    public static OpenSearchSetup open(ElasticsearchSettings settings) {
        return new OpenSearchSetup(OpenSearchClients.create(settings), new OpenSearchFailures(settings), true);
    }

    /** Over a client someone else owns (the queue store's): closing this leaves it open. */
    public static OpenSearchSetup over(OpenSearchClient client, OpenSearchFailures failures) {
        return new OpenSearchSetup(client, failures, false);
    }

    /** The queue template port: {@link #installQueueTemplate} with the configured sort field. */
    @Override
    public Outcome install(String queueIndex, Optional<String> sortField) {
        return Outcome.valueOf(installQueueTemplate(queueIndex, SortField.parse(sortField)).name());
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

    /**
     * The queue's index template for {@code queueIndex} ({@link IndexTemplates#queue}); when it is created or changed,
     * its index settings (all dynamic) are applied to an existing queue index too, as on Elasticsearch. A user who may
     * install templates but not manage the queue index (HTTP 403) gets a warning: the settings apply when the index
     * is next created.
     */
    public Result installQueueTemplate(String queueIndex, Optional<SortField> sortField) {
        IndexTemplates.Template template = IndexTemplates.queue(queueIndex, sortField);
        Result result = install(template);
        if (result != Result.UNCHANGED) {
            RawRequests.Answer applied = raw.send("PUT", "/" + queueIndex + "/_settings", template.settings(),
                    "apply the template's settings to the queue index " + queueIndex, 404, 403);
            if (applied.status() == 403) {
                LOG.warn("Could not apply the template's settings to the existing queue index {} (they apply when it "
                        + "is next created): HTTP 403", queueIndex);
            }
        }
        return result;
    }

    /** The answer cache's index template for {@code index} ({@link IndexTemplates#answerCache}). */
    public Result installCacheTemplate(String index) {
        return install(IndexTemplates.answerCache(index));
    }

    /** The token budget ledger's index template for {@code index} ({@link IndexTemplates#tokenLedger}). */
    public Result installLedgerTemplate(String index) {
        return install(IndexTemplates.tokenLedger(index));
    }

    /** A composable index template, left alone when the installed one has the same content hash. */
    private Result install(IndexTemplates.Template template) {
        String name = template.name();
        RawRequests.Answer current = raw.send("GET", "/_index_template/" + name, null,
                "read the index template " + name, 404);
        Optional<String> installed = current.status() == 404 ? Optional.empty() : Optional.of(installedHash(current));
        if (installed.filter(template.hash()::equals).isPresent()) {
            return Result.UNCHANGED;
        }
        raw.send("PUT", "/_index_template/" + name, template.body(), "install the index template " + name);
        return installed.isPresent() ? Result.UPDATED : Result.CREATED;
    }

    /** {@code _meta.content_hash} of the one template a GET by name answers; empty when it has none. */
    private static String installedHash(RawRequests.Answer answer) {
        if (answer.json().get("index_templates") instanceof List<?> templates && !templates.isEmpty()
                && templates.getFirst() instanceof Map<?, ?> entry
                && entry.get("index_template") instanceof Map<?, ?> template
                && template.get("_meta") instanceof Map<?, ?> meta && meta.get("content_hash") instanceof String hash) {
            return hash;
        }
        return "";
    }

    @Override
    public void close() {
        if (!ownsClient) {
            return;
        }
        try {
            client._transport().close();
        } catch (IOException e) {
            // nothing left to lose: the process is done with this client
        }
    }
}
