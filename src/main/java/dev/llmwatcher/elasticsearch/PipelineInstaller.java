package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.elasticsearch._types.StoredScript;
import co.elastic.clients.elasticsearch.core.GetScriptResponse;
import co.elastic.clients.elasticsearch.ingest.Pipeline;
import co.elastic.clients.json.JsonData;
import dev.llmwatcher.queue.PipelineSpec;
import dev.llmwatcher.store.InstallContent;

import java.io.IOException;
import java.io.StringReader;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Installs what the original README asked users to paste into Kibana: the stored painless script {@code llm}
 * (shipped as {@code llm-watcher/llm-script.painless}, the original's source) and an ingest pipeline calling it.
 * The pipeline also stamps {@code _llm_watcher.queued_at} with the ingest time, so {@code status} can tell the
 * queue's age. Idempotent: an identical script (same source) or pipeline (same content hash in {@code _meta}) is
 * left alone. A cluster without painless (the test integ-test-zip) refuses both: that is reported, not thrown.
 */
public final class PipelineInstaller {

    public static final String SCRIPT_ID = InstallContent.SCRIPT_ID;
    static final String SCRIPT_RESOURCE = InstallContent.SCRIPT_RESOURCE;

    /** What an install did. */
    public enum Result { CREATED, UPDATED, UNCHANGED, NEEDS_PAINLESS }

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public PipelineInstaller(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
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
        return InstallContent.pipeline(spec);
    }

    public Result installScript() {
        String source = scriptSource();
        Optional<String> installed = installedScript();
        if (installed.filter(source::equals).isPresent()) {
            return Result.UNCHANGED;
        }
        try {
            client.putScript(p -> p.id(SCRIPT_ID).script(s -> s.lang("painless").source(src -> src
                    .scriptString(source))));
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
            client.ingest().putPipeline(p -> p.id(spec.name()).withJson(new StringReader(json(body))));
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
            GetScriptResponse response = client.getScript(g -> g.id(SCRIPT_ID));
            return Optional.ofNullable(response.found() ? response.script() : null).map(StoredScript::source)
                    .filter(source -> source.isScriptString()).map(source -> source.scriptString());
        } catch (ElasticsearchException | IOException e) {
            if (ElasticsearchFailures.status(e) == 404) {
                return Optional.empty();
            }
            throw failures.unavailable("read the script " + SCRIPT_ID, e);
        }
    }

    private Optional<String> installedPipelineHash(String name) {
        try {
            Pipeline pipeline = client.ingest().getPipeline(g -> g.id(name)).get(name);
            if (pipeline == null) {
                return Optional.empty();
            }
            JsonData hash = pipeline.meta().get("content_hash");
            return Optional.of(hash == null ? "" : hash.to(String.class));
        } catch (ElasticsearchException | IOException e) {
            if (ElasticsearchFailures.status(e) == 404) {
                return Optional.empty();
            }
            throw failures.unavailable("read the ingest pipeline " + name, e);
        }
    }

    private static String json(Object value) {
        return InstalledContent.canonical(value);
    }

    /** Painless missing: the language is unknown, or the {@code script} processor does not exist. */
    private static boolean lacksPainless(ElasticsearchException e) {
        ErrorCause error = e.error();
        Stream<ErrorCause> causes = error == null ? Stream.empty()
                : Stream.concat(Stream.of(error), error.rootCause().stream());
        return causes.map(cause -> String.valueOf(cause.reason()).toLowerCase(Locale.ROOT))
                .anyMatch(reason -> reason.contains("painless") || reason.contains("processor type")
                        || reason.contains("lang"));
    }
}
