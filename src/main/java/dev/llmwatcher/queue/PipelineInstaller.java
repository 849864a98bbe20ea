package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.elasticsearch.ElasticsearchException;
import dev.llmwatcher.elasticsearch.JsonPath;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Installs what the original README asked users to paste into Kibana: the stored painless script {@code llm}
 * (shipped as {@code llm-watcher/llm-script.painless}, the original's source) and an ingest pipeline calling it.
 * The pipeline also stamps {@code _llm_watcher.queued_at} with the ingest time, so {@code status} can tell the
 * queue's age. Idempotent: an identical script (same source) or pipeline (same content hash in {@code _meta}) is
 * left alone. A cluster without painless (the test integ-test-zip) refuses both: that is reported, not thrown.
 */
public final class PipelineInstaller {

    public static final String SCRIPT_ID = "llm";
    static final String SCRIPT_RESOURCE = "/llm-watcher/llm-script.painless";

    /** What an install did. */
    public enum Result { CREATED, UPDATED, UNCHANGED, NEEDS_PAINLESS }

    private final ElasticsearchConnection connection;
    private final ElasticsearchFailures failures;

    public PipelineInstaller(ElasticsearchConnection connection) {
        this.connection = connection;
        this.failures = new ElasticsearchFailures(connection.settings());
    }

    /** The shipped script's painless source. */
    public static String scriptSource() {
        return InstalledContent.resource(SCRIPT_RESOURCE);
    }

    /** Body of {@code PUT _scripts/llm}. */
    public static String scriptBody() {
        return json(Map.of("script", Map.of("lang", "painless", "source", scriptSource())));
    }

    /** Body of {@code PUT _ingest/pipeline/<name>}, without our {@code _meta}: what any painless cluster takes. */
    public static String pipelineBody(PipelineSpec spec) {
        return json(pipeline(spec));
    }

    private static Map<String, Object> pipeline(PipelineSpec spec) {
        Map<String, Object> pipeline = new LinkedHashMap<>();
        pipeline.put("description", "llm-watcher: queue documents for an LLM (" + spec.name() + ")");
        pipeline.put("processors", List.of(
                Map.of("script", Map.of("id", SCRIPT_ID, "params", spec.scriptParams())),
                Map.of("set", Map.of("field", QueueFields.QUEUED_AT_PATH, "value", "{{{_ingest.timestamp}}}"))));
        return pipeline;
    }

    public Result installScript() {
        String source = scriptSource();
        Optional<String> installed = installedScript();
        if (installed.filter(source::equals).isPresent()) {
            return Result.UNCHANGED;
        }
        try {
            connection.send("PUT", "/_scripts/" + SCRIPT_ID, scriptBody());
        } catch (ElasticsearchException e) {
            if (e.status() == 400 && lacksPainless(e)) {
                return Result.NEEDS_PAINLESS;
            }
            throw failures.unavailable("store the script " + SCRIPT_ID, e);
        } catch (IOException e) {
            throw failures.unavailable("store the script " + SCRIPT_ID, e);
        }
        return installed.isPresent() ? Result.UPDATED : Result.CREATED;
    }

    public Result installPipeline(PipelineSpec spec) {
        Map<String, Object> body = pipeline(spec);
        String hash = InstalledContent.hash(json(body));
        Optional<String> installed = installedPipelineHash(spec.name());
        if (installed.filter(hash::equals).isPresent()) {
            return Result.UNCHANGED;
        }
        body.put("_meta", Map.of("managed_by", "llm-watcher", "content_hash", hash));
        try {
            connection.send("PUT", "/_ingest/pipeline/" + ElasticsearchConnection.segment(spec.name()), json(body));
        } catch (ElasticsearchException e) {
            if (e.status() == 400 && lacksPainless(e)) {
                return Result.NEEDS_PAINLESS;
            }
            throw failures.unavailable("store the ingest pipeline " + spec.name(), e);
        } catch (IOException e) {
            throw failures.unavailable("store the ingest pipeline " + spec.name(), e);
        }
        return installed.isPresent() ? Result.UPDATED : Result.CREATED;
    }

    private Optional<String> installedScript() {
        try {
            Map<String, Object> response = connection.send("GET", "/_scripts/" + SCRIPT_ID, null);
            return JsonPath.text(response, "script", "source");
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw failures.unavailable("read the script " + SCRIPT_ID, e);
        } catch (IOException e) {
            throw failures.unavailable("read the script " + SCRIPT_ID, e);
        }
    }

    private Optional<String> installedPipelineHash(String name) {
        try {
            Map<String, Object> response = connection.send("GET", "/_ingest/pipeline/"
                    + ElasticsearchConnection.segment(name), null);
            if (!(response.get(name) instanceof Map<?, ?> pipeline)) {
                return Optional.empty();
            }
            return Optional.of(JsonPath.text(pipeline, "_meta", "content_hash").orElse(""));
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw failures.unavailable("read the ingest pipeline " + name, e);
        } catch (IOException e) {
            throw failures.unavailable("read the ingest pipeline " + name, e);
        }
    }

    private static String json(Object value) {
        return InstalledContent.canonical(value);
    }

    /** Painless missing: the language is unknown, or the {@code script} processor does not exist. */
    private static boolean lacksPainless(ElasticsearchException e) {
        String reason = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return reason.contains("painless") || reason.contains("processor type") || reason.contains("lang");
    }
}
