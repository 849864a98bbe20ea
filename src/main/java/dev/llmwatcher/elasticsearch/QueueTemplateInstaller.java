package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.SortField;
import dev.llmwatcher.store.IndexTemplates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Installs the composable index template of the queue index, shipped as
 * {@code llm-watcher/queue-index-template.json} ({@link IndexTemplates}, shared with the OpenSearch adapter). Without it the queue index maps user fields dynamically, and the
 * first two pipelines sending the same field name with different types break ingestion; with it user fields
 * stay in {@code _source} unindexed and only {@code _llm_watcher} is mapped.
 *
 * <p>The template is named {@value #DEFAULT_NAME} for the default queue index {@code llm-queue}, and
 * {@code llm-watcher-queue-<index>} for any other, so several queues on one cluster don't fight over one
 * template. A content hash in {@code _meta.content_hash} makes installing idempotent: an identical template is
 * left alone. A template applies to indices created after it: an existing queue index keeps its mapping, but when
 * the template is created or changed its index settings (all dynamic: refresh interval, merge policy, replicas) are
 * applied to the existing queue index too, so an upgrade reaches a queue that already holds documents.
 *
 * <p>Index settings travel flat ({@code index.merge.policy.deletes_pct_allowed}): the client's typed settings have
 * no merge policy and would refuse the nested form, while flat keys pass through it as they are.
 */
public final class QueueTemplateInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(QueueTemplateInstaller.class);

    public static final String DEFAULT_NAME = IndexTemplates.QUEUE_TEMPLATE;
    public static final String DEFAULT_QUEUE_INDEX = IndexTemplates.DEFAULT_QUEUE_INDEX;
    static final String RESOURCE = IndexTemplates.QUEUE_RESOURCE;

    /** What {@link #install} did. */
    public enum Result { CREATED, UPDATED, UNCHANGED }

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public QueueTemplateInstaller(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    /** Name of the template that covers {@code queueIndex}. */
    public static String templateName(String queueIndex) {
        return IndexTemplates.queueName(queueIndex);
    }

    /**
     * Installs the template for {@code queueIndex} unless an identical one is there.
     *
     * @param sortField the configured sort field as {@code name} or {@code name:type} (see {@link SortField}; the
     *                  type defaults to {@code date}); mapped at the root so sorting works despite
     *                  {@code dynamic: false}. Date and numeric types get {@code ignore_malformed} so a bad value
     *                  in one document never blocks its queueing.
     */
    public Result install(String queueIndex, Optional<String> sortField) {
        IndexTemplates.Template template = IndexTemplates.queue(queueIndex, SortField.parse(sortField));
        String name = template.name();
        Optional<String> installedHash = installedHash(name);
        if (installedHash.filter(template.hash()::equals).isPresent()) {
            return Result.UNCHANGED;
        }
        try {
            client.indices().putIndexTemplate(t -> t.name(name).withJson(reader(template.body())));
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("install the index template " + name, e);
        }
        applySettingsToExisting(queueIndex, template.settings());
        return installedHash.isPresent() ? Result.UPDATED : Result.CREATED;
    }

    /**
     * Puts the template's index settings on the queue index if it exists already. A user allowed to install
     * templates but not to manage the queue index (HTTP 403) gets a warning: the settings then apply when the
     * index is next created, and nothing else depends on them.
     */
    private void applySettingsToExisting(String queueIndex, Map<String, Object> settings) {
        try {
            client.indices().putSettings(s -> s.index(queueIndex).withJson(reader(settings)));
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return;
            }
            if (e.status() == 403) {
                LOG.warn("Could not apply the template's settings to the existing queue index {} (they apply when it "
                        + "is next created): {}", queueIndex, failures.unavailable("update its settings", e)
                        .getMessage());
                return;
            }
            throw failures.unavailable("apply the template's settings to the queue index " + queueIndex, e);
        } catch (IOException e) {
            throw failures.unavailable("apply the template's settings to the queue index " + queueIndex, e);
        }
    }

    /** The template body for {@code queueIndex}, without the content hash. */
    public static String templateBody(String queueIndex, Optional<SortField> sortField) {
        return IndexTemplates.queueContent(queueIndex, sortField);
    }

    /** The content hash of the installed template {@code name}; empty when there is none. */
    Optional<String> installedHash(String name) {
        try {
            return client.indices().getIndexTemplate(t -> t.name(name).flatSettings(true)).indexTemplates().stream()
                    .findFirst()
                    .map(t -> Optional.ofNullable(t.indexTemplate().meta().get("content_hash"))
                            .map(hash -> hash.to(String.class)).orElse(""));
        } catch (ElasticsearchException | IOException e) {
            if (ElasticsearchFailures.status(e) == 404) {
                return Optional.empty();
            }
            throw failures.unavailable("read the index template " + name, e);
        }
    }

    private static StringReader reader(Map<String, Object> json) {
        return new StringReader(JsonCodec.writeString(json));
    }
}
